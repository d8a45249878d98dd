/**
 * Beam, AdaDec, CNTP, entropix and the speculative trees (drafting, verification, Token
 * Recycling's table) read back only top-k lists and scalars: measured
 * on the CPU path (Node has no WebGPU model path) as no full logits row or distribution ever read
 * (readLogits, readProbs, JS logits uploaded), and the bytes the WebGPU kernels would copy back
 * for their calls (header + top-k per row) well under one logits row per emitted token.
 */
import { describe, expect, it } from 'vitest';
import type { DecodeConfig } from '../config/index.ts';
import { config, runTrace, useEmbeddedModels } from '../../../tests/support/strategy-setup.ts';
import { readbackProbe } from '../../../tests/support/readback.ts';

const models = useEmbeddedModels({ draft: true });

async function measure(c: DecodeConfig) {
  const probe = readbackProbe(models);
  const t = await runTrace(c, probe.engine);
  expect(t.end.reason, t.end.error).not.toBe('error');
  expect(t.tokens.length).toBeGreaterThan(0);
  const rowBytes = models.target.info.vocabSize * 4;
  console.log(`${c.strategy}: ${(probe.stepBytes / t.tokens.length).toFixed(0)} bytes per token on the GPU path (logits row: ${rowBytes})`);
  return { trace: t, fullReads: probe.fullReads(), perToken: probe.stepBytes / t.tokens.length, rowBytes };
}

const prompt = 'The old man said that';

describe('strategies read back only top-k lists and scalars', () => {
  it('beam (4 beams)', async () => {
    const m = await measure(config({ strategy: 'beam', num_beams: 4, prompt, max_new_tokens: 12 }));
    expect(m.fullReads).toBe(0);
    expect(m.perToken).toBeLessThan(m.rowBytes / 3);
  });

  it('AdaDec (triggered at every step: candidates described by force rows, greedy lookahead)', async () => {
    const m = await measure(config({ strategy: 'adadec', adadec_tau: 0, adadec_candidates: 4, adadec_lookahead: 3, prompt, max_new_tokens: 12 }));
    expect(m.trace.events.some((e) => e.kind === 'adadec')).toBe(true);
    expect(m.fullReads).toBe(0);
    expect(m.perToken).toBeLessThan(m.rowBytes / 3);
  });

  it('CNTP (trials at every step)', async () => {
    const m = await measure(config({ strategy: 'cntp', cntp_max_trials: 4, cntp_entropy_min: 0, cntp_entropy_max: 0.01, seed: 3, prompt, max_new_tokens: 12 }));
    expect(m.trace.events.some((e) => e.kind === 'cntp')).toBe(true);
    expect(m.fullReads).toBe(0);
    expect(m.perToken).toBeLessThan(m.rowBytes / 3);
  });

  it('entropix (branches, then pause tokens)', async () => {
    for (const c of [
      { entropix_entropy_threshold: 20, entropix_varentropy_threshold: 0, entropix_branches: 4 },
      { entropix_entropy_threshold: 0, entropix_varentropy_threshold: 20, entropix_pause_text: ' well, ' },
    ]) {
      const m = await measure(config({ strategy: 'entropix', ...c, seed: 5, prompt, max_new_tokens: 12 }));
      expect(m.fullReads).toBe(0);
      expect(m.perToken).toBeLessThan(m.rowBytes / 3);
    }
  });

  for (const c of [
    { strategy: 'spec-tree', temperature: 0 },
    { strategy: 'spec-tree', temperature: 0.8, seed: 4 },
    { strategy: 'spec-rsd', temperature: 0.8, seed: 5 },
    { strategy: 'recycling', temperature: 0.8, seed: 6 },
  ]) {
    it(`${c.strategy} at temperature ${c.temperature} reads no draft distribution and no target row`, async () => {
      const probe = readbackProbe(models);
      const draftReads0 = models.draft!.fullLogitsReads;
      const targetReads0 = models.target.fullLogitsReads;
      const t = await runTrace(config({ ...c, tree_width: 3, tree_depth: 3, prompt, max_new_tokens: 12 }), probe.engine);
      expect(t.end.reason, t.end.error).not.toBe('error');
      expect(t.events.some((e) => e.kind === 'spec')).toBe(true);
      expect(models.draft!.fullLogitsReads).toBe(draftReads0);
      expect(models.target.fullLogitsReads).toBe(targetReads0);
      expect(probe.probReads).toBe(0);
    });
  }
});
