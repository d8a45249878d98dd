/**
 * Processors with per-step state or draws in the sample strategy, on the embedded target: mirostat's
 * mu starts at 2·tau, moves by eta · (surprise - tau) after each token and is in the trace; the same
 * run on the WebGPU kernels (Dawn) gives the same tokens and mu; XTC reproduces with a seed; and a
 * speculative strategy ignores both with a run note, emitting what it emits without them.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../generate.ts';
import { collectTrace } from '../trace/collect.ts';
import type { TokenEvent } from '../trace/types.ts';
import { gpu, useDawnKernels } from '../../../tests/support/dawn.ts';
import { config, runTrace, tokenIds, useEmbeddedModels } from '../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels({ draft: true });
useDawnKernels();

const mu = (t: TokenEvent) => t.processorState!.before.mirostat_mu;

describe('sample strategy with mirostat and XTC', () => {
  const mirostat = config({ strategy: 'sample', mirostat: 2, mirostat_tau: 3, mirostat_eta: 0.2, max_new_tokens: 24, seed: 3 });

  it('carries mirostat mu from step to step: 2·tau, then mu - eta · (-log2 p_chosen - tau)', async () => {
    const trace = await runTrace(mirostat, models);
    expect(trace.tokens.length).toBe(24);
    expect(mu(trace.tokens[0])).toBe(6);
    trace.tokens.forEach((t, i) => {
      expect(t.stages.map((s) => s.name)).toEqual(['mirostat']);
      const after = t.processorState!.after.mirostat_mu;
      expect(after).toBeCloseTo(mu(t) - 0.2 * (-Math.log2(t.processedProb) - 3), 10);
      if (i + 1 < trace.tokens.length) expect(mu(trace.tokens[i + 1])).toBe(after);
    });
    expect(new Set(trace.tokens.map(mu)).size).toBeGreaterThan(5);
  });

  it('gives the same tokens and mu on the WebGPU kernels', async () => {
    const cpu = await runTrace(mirostat, models);
    const webgpu = await collectTrace(generate(mirostat, { ...models, kernels: gpu }));
    expect(tokenIds(webgpu)).toEqual(tokenIds(cpu));
    webgpu.tokens.forEach((t, i) => expect(mu(t)).toBeCloseTo(mu(cpu.tokens[i]), 4));
  });

  it('XTC: a seed reproduces the run on both backends, and the stage acts on some steps only', async () => {
    const xtc = config({ strategy: 'sample', xtc_probability: 0.5, xtc_threshold: 0.05, max_new_tokens: 24, seed: 4 });
    const a = await runTrace(xtc, models);
    expect(tokenIds(await runTrace(xtc, models))).toEqual(tokenIds(a));
    expect(tokenIds(await collectTrace(generate(xtc, { ...models, kernels: gpu })))).toEqual(tokenIds(a));
    const removed = a.tokens.map((t) => t.stages.find((s) => s.name === 'xtc')!.removedMass);
    expect(removed.some((m) => m > 0)).toBe(true);
    expect(removed.some((m) => m === 0)).toBe(true);
  });

  it('a speculative strategy ignores both, says so in the run notes, and emits what it emits without them', async () => {
    const plain = config({ strategy: 'spec-chain', max_new_tokens: 12, seed: 5 });
    const withBoth = { ...plain, mirostat: 2, xtc_probability: 1 };
    const a = await runTrace(withBoth, models);
    expect(a.start.notes).toEqual([
      expect.stringMatching(/^xtc_probability=1 ignored: strategy=spec-chain does not read it \(speculative verification/),
      expect.stringMatching(/^mirostat=2 ignored: strategy=spec-chain does not read it \(its per-token state/),
    ]);
    expect(tokenIds(a)).toEqual(tokenIds(await runTrace(plain, models)));
  });
});
