import { describe, expect, it } from 'vitest';
import type { LoadProgress } from '../../worker/protocol.ts';
import { fileFraction, fileText, overallFraction, overallProgress, overallText, withFileProgress, type FileProgress } from './loadProgress.ts';

const M = 'playground/brown-target-v1';
const ev = (status: LoadProgress['status'], file: string, loaded = 0, total = 0): LoadProgress => ({ status, file, loaded, total });
const state = (files: FileProgress[]) => ({ model: M, files });

describe('load progress', () => {
  it('merges a file from initiate through progress to done, keeping its size', () => {
    let files = withFileProgress([], M, ev('initiate', 'onnx/model.onnx'));
    expect(files).toEqual([{ model: M, file: 'onnx/model.onnx', loaded: 0, total: 0, done: false }]);
    expect(fileText(files[0])).toBe('starting');
    expect(fileFraction(files[0])).toBeUndefined();
    files = withFileProgress(files, M, ev('progress', 'onnx/model.onnx', 500, 2000));
    files = withFileProgress(files, M, ev('progress', 'onnx/model.onnx', 0, 0));
    expect(files[0]).toMatchObject({ loaded: 500, total: 2000, done: false });
    expect(fileText(files[0])).toBe('500 B / 2.0 KB');
    expect(fileFraction(files[0])).toBe(0.25);
    files = withFileProgress(files, M, ev('done', 'onnx/model.onnx'));
    expect(files[0]).toMatchObject({ loaded: 2000, total: 2000, done: true });
  });

  it('keeps the total unknown while a file has not answered, so the bar is not full before the weights', () => {
    let files = withFileProgress([], M, ev('done', 'config.json', 661, 661));
    files = withFileProgress(files, M, ev('initiate', 'onnx/model.onnx'));
    const o = overallProgress(state(files));
    expect(o).toEqual({ done: 661, total: 661, waiting: 1 });
    expect(overallText(o)).toBe('661 B so far, 1 file starting');
    expect(overallFraction(o)).toBeUndefined();
    files = withFileProgress(files, M, ev('progress', 'onnx/model.onnx', 1024, 4096));
    const p = overallProgress(state(files));
    expect(p).toEqual({ done: 1685, total: 4757, waiting: 0 });
    expect(overallText(p)).toBe('1.7 KB of 4.8 KB');
    expect(overallFraction(p)).toBeCloseTo(1685 / 4757, 12);
  });

  it('counts only the model being loaded (a draft load keeps its own files)', () => {
    const files = withFileProgress(withFileProgress([], M, ev('done', 'config.json', 661, 661)), 'playground/brown-draft-v1', ev('initiate', 'onnx/model.onnx'));
    expect(overallProgress(state(files))).toEqual({ done: 661, total: 661, waiting: 0 });
    expect(overallText({ done: 0, total: 0, waiting: 0 })).toBe('0 B');
  });
});
