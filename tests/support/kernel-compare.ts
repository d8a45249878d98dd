/**
 * Runs the same rows on two Kernels (the WGSL kernels and the CPU reference) and asserts they agree:
 * processed probabilities within 1e-5, the same stages and kept counts, close statistics and the
 * same chosen tokens.
 */
import { expect } from 'vitest';
import type { ChooseMode, Kernels, ProcessorConfig, ProcessorState, RowStats, StepRowResult, TopK } from '../../src/engine/kernels/types.ts';
import { cpu, gpu } from './dawn.ts';

export interface Run {
  rows: StepRowResult[];
  probs: Float64Array[];
  bytes: number;
}

export interface RowSpec {
  config: ProcessorConfig;
  contextIds?: number[];
  choose?: ChooseMode;
  forceToken?: number;
  seed?: number;
  step?: number;
  sub?: number;
  state?: ProcessorState;
}

export async function runOn(k: Kernels, data: Float32Array, rows: number, vocab: number, specs: RowSpec[], topK = 10): Promise<Run> {
  const l = await k.createLogits(data, rows, vocab);
  const res = await k.step(l, {
    rows: specs.map((s) => ({ config: s.config, contextIds: s.contextIds, choose: s.choose ?? 'sample', forceToken: s.forceToken, seed: s.seed ?? 1, step: s.step ?? 0, sub: s.sub, state: s.state })),
    topK,
    keepProcessed: true,
  });
  const probs: Float64Array[] = [];
  for (let r = 0; r < rows; r++) probs.push(await k.readProbs({ probs: res.processed!, row: r }));
  k.dispose(res.processed!);
  k.dispose(l);
  return { rows: res.rows, probs, bytes: res.bytesReadBack };
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Top-k lists agree: same length, probs within tol, ids equal unless the two probs are a near-tie. */
export function expectTopClose(g: TopK, c: TopK, what: string, tol = 1e-5): void {
  expect(g.ids.length, `${what} length`).toBe(c.ids.length);
  for (let j = 0; j < c.ids.length; j++) {
    expect(Math.abs(g.probs[j] - c.probs[j]), `${what}[${j}] prob`).toBeLessThanOrEqual(tol);
    if (g.ids[j] !== c.ids[j]) {
      // f32 vs f64 may order two nearly equal probabilities differently; nothing else may differ.
      const other = c.ids.indexOf(g.ids[j]);
      expect(other, `${what}[${j}] id ${g.ids[j]} missing from CPU list`).toBeGreaterThanOrEqual(0);
      expect(Math.abs(c.probs[other] - c.probs[j]), `${what}[${j}] swapped ids must be near-ties`).toBeLessThan(1e-6);
    }
  }
}

export function expectStatsClose(g: RowStats, c: RowStats, what: string): void {
  expect(g.stages.map((s) => `${s.name}:${s.kept}`), `${what} stages`).toEqual(c.stages.map((s) => `${s.name}:${s.kept}`));
  g.stages.forEach((s, i) => expect(Math.abs(s.removedMass - c.stages[i].removedMass), `${what} removedMass ${s.name}`).toBeLessThan(1e-5));
  expect(Math.abs(g.entropy - c.entropy), `${what} entropy`).toBeLessThan(1e-4 * Math.max(1, c.entropy));
  expect(Math.abs(g.varentropy - c.varentropy), `${what} varentropy`).toBeLessThan(1e-4 * Math.max(1, c.varentropy));
  expect(g.degenerate, `${what} degenerate`).toBe(c.degenerate);
  expect(Math.abs(g.temperature - c.temperature), `${what} temperature`).toBeLessThan(1e-5);
  expectTopClose(g.rawTop, c.rawTop, `${what} rawTop`);
  expectTopClose(g.processedTop, c.processedTop, `${what} processedTop`);
}

export async function compare(data: Float32Array, rows: number, vocab: number, specs: RowSpec[], what: string, topK = 10, on: Kernels = gpu): Promise<Run> {
  const g = await runOn(on, data, rows, vocab, specs, topK);
  const c = await runOn(cpu, data, rows, vocab, specs, topK);
  for (let r = 0; r < rows; r++) {
    const w = `${what} row ${r}`;
    expect(maxAbs(g.probs[r], c.probs[r]), `${w} probs`).toBeLessThanOrEqual(1e-5);
    expectStatsClose(g.rows[r], c.rows[r], w);
    const gc = g.rows[r].choice;
    const cc = c.rows[r].choice;
    expect(!!gc, `${w} choice present`).toBe(!!cc);
    if (gc && cc) {
      expect(gc.token, `${w} token`).toBe(cc.token);
      expect(gc.rawRank, `${w} rawRank`).toBe(cc.rawRank);
      expect(Math.abs(gc.rawProb - cc.rawProb), `${w} rawProb`).toBeLessThan(1e-5);
      expect(Math.abs(gc.processedProb - cc.processedProb), `${w} processedProb`).toBeLessThan(1e-5);
      expect(Math.abs(gc.rawLogprob - cc.rawLogprob), `${w} rawLogprob`).toBeLessThan(1e-3 * Math.max(1, Math.abs(cc.rawLogprob)));
    }
  }
  return g;
}

