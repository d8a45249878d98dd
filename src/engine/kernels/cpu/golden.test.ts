import { describe, expect, it } from 'vitest';
import { createCpuKernels } from './index.ts';
import { runGolden } from './golden.ts';
import { verifyChainWithUniforms } from './speculative.ts';
import { GOLDEN_PATH, loadGoldenFile } from '../../../../tests/support/kernels.ts';

// Fails loudly (not skipped) when tests/golden/decoding-golden.json is absent.
const golden = loadGoldenFile();

describe(`golden vectors (${GOLDEN_PATH})`, () => {
  it('has processor and speculative cases', () => {
    expect(golden.processors.length).toBeGreaterThan(0);
    expect(golden.spec_chain.length).toBeGreaterThan(0);
  });

  it.each(golden.processors.map((c) => [c.id, c] as const))('processors %s', async (_id, c) => {
    const report = await runGolden(await createCpuKernels(), { processors: [c], spec_chain: [] });
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(1);
  });

  it.each(golden.spec_chain.map((c) => [c.id, c] as const))('spec_chain %s through the kernels', async (_id, c) => {
    const report = await runGolden(await createCpuKernels(), { processors: [], spec_chain: [c] });
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(1);
  });

  it.each(golden.spec_chain.map((c) => [c.id, c] as const))('spec_chain %s with the pure function', (_id, c) => {
    const out = verifyChainWithUniforms(c.p, c.q, c.draft_tokens, c.uniforms);
    expect(out.accepted).toBe(c.expected.accepted);
    const want = c.expected.next_token_distribution;
    let err = 0;
    out.nextDistribution.forEach((v, i) => (err = Math.max(err, Math.abs(v - want[i]))));
    expect(err).toBeLessThanOrEqual(1e-5);
    expect(out.nextKind).toBe(out.accepted === c.draft_tokens.length ? 'bonus' : 'residual');
  });
});

describe('golden runner catches mistakes', () => {
  it('reports a perturbed probability, a wrong kept count and a wrong accepted count by case id', async () => {
    const c = structuredClone(golden.processors[1]);
    c.expected.probs[0] += 1e-4;
    c.expected.stages[c.expected.stages.length - 1].kept += 1;
    const s = structuredClone(golden.spec_chain[0]);
    s.expected.accepted += 1;
    const report = await runGolden(await createCpuKernels(), { processors: [c], spec_chain: [s] });
    expect(report.cases).toBe(2);
    expect(report.passed).toBe(0);
    expect(report.failures.map((f) => f.id)).toEqual([c.id, s.id]);
    expect(report.failures[0].what).toMatch(/probs: max abs error/);
    expect(report.failures[0].what).toMatch(/stages: got/);
    expect(report.failures[1].what).toMatch(/accepted: got/);
  });

  it('compares entropy and varentropy within 1e-5 + 1e-3 x |want| (float32 sums over a large vocabulary)', async () => {
    const c = golden.processors.find((x) => x.expected.raw_varentropy > 0.01) ?? golden.processors[0];
    const cpu = await createCpuKernels();
    const within = structuredClone(c);
    within.expected.raw_varentropy *= 1 + 5e-4;
    expect((await runGolden(cpu, { processors: [within], spec_chain: [] })).failures).toEqual([]);
    const outside = structuredClone(c);
    outside.expected.raw_entropy += 2e-5 + 2e-3 * Math.abs(outside.expected.raw_entropy);
    const report = await runGolden(cpu, { processors: [outside], spec_chain: [] });
    expect(report.failures.map((f) => f.what)).toEqual([expect.stringMatching(/^raw_entropy: got .* \(tolerance 0.00001 \+ 0.001 x \|want\|\)$/)]);
  });
});
