import { describe, expect, it } from 'vitest';
import { classifyLoadError, ModelLoadError } from './load-error.ts';

describe('classifyLoadError', () => {
  it.each([
    ['Could not locate file: "https://x/onnx/model_q4.onnx".', 'not-found'],
    ['TypeError: Failed to fetch', 'network'],
    ['RangeError: Array buffer allocation failed', 'out-of-memory'],
    ['Program Cast requires f16 but the device does not support it', 'unsupported'],
    ['something odd happened', 'other'],
  ])('%s -> %s', (msg, kind) => {
    const e = classifyLoadError('org/m', new Error(msg));
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(e.kind).toBe(kind);
    expect(e.message).toContain('org/m');
    expect(e.hint.length).toBeGreaterThan(20);
  });

  it('keeps an already classified error and accepts non-Error values', () => {
    const e = new ModelLoadError('a/b', 'network', 'download failed');
    expect(classifyLoadError('a/b', e)).toBe(e);
    expect(classifyLoadError('a/b', 'plain string').kind).toBe('other');
  });
});
