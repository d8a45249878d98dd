/**
 * The context-reading penalties (presence/frequency, DRY) and logit bias on WebGPU vs the CPU
 * reference, with long repetitive contexts (the shared examples' context barely repeats), several
 * rows per call, each with its own settings, so the packed aux lists of neighbouring rows are used.
 */
import { describe, expect, it } from 'vitest';
import { useDawnKernels } from '../../../../tests/support/dawn.ts';
import { compare, type RowSpec } from '../../../../tests/support/kernel-compare.ts';
import { prng, randomLogits } from '../../../../tests/support/kernels.ts';
import type { ProcessorConfig } from '../types.ts';

useDawnKernels();

const V = 1031;

/** A context that repeats a few phrases with small changes, so the suffix recurs many times. */
function repetitive(seed: number, length: number): number[] {
  const rand = prng(seed);
  const phrases = Array.from({ length: 4 }, () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => Math.floor(rand() * 40)));
  const out: number[] = [];
  while (out.length < length) {
    const p = phrases[Math.floor(rand() * phrases.length)];
    for (const t of p) out.push(rand() < 0.05 ? Math.floor(rand() * V) : t);
  }
  return out.slice(0, length);
}

/** Random logits with the context's ids lifted, so the penalties move real probability. */
function logitsFor(rows: number, seed: number): Float32Array {
  const data = randomLogits(rows * V, seed);
  for (let r = 0; r < rows; r++) for (let id = 0; id < 40; id++) data[r * V + id] += 6;
  return data;
}

const CONFIGS: ProcessorConfig[] = [
  { dry_multiplier: 0.8 },
  { dry_multiplier: 1.5, dry_base: 1.3, dry_allowed_length: 3, dry_penalty_last_n: 64 },
  { dry_multiplier: 2, dry_base: 10, dry_allowed_length: 1 }, // long repeats hit the exponent clamp
  { dry_multiplier: 0.5, dry_base: 1, dry_allowed_length: 4 },
  { presence_penalty: 1.5, frequency_penalty: 0.2 },
  { presence_penalty: -0.5, frequency_penalty: -0.05, dry_multiplier: 0.8, logit_bias: '3:-100,5:4,1030:1.5,1031:9' },
  { logit_bias: '0:-2.5,1:2.5,2:-0.125', repetition_penalty: 1.3, presence_penalty: 0.4, dry_multiplier: 1, sampler_order: 'llamacpp', temperature: 0.7, top_k: 50 },
];

describe('penalties on WebGPU equal the CPU reference', () => {
  it('on long repetitive contexts, several rows per call', async () => {
    for (const [k, length] of [12, 300, 900].entries()) {
      const specs: RowSpec[] = CONFIGS.map((config, r) => ({ config, contextIds: repetitive(10 * k + r, length), seed: r + 1, step: k }));
      await compare(logitsFor(specs.length, 50 + k), specs.length, V, specs, `context ${length}`);
      const greedy = specs.map((s) => ({ ...s, choose: 'greedy' as const }));
      await compare(logitsFor(specs.length, 60 + k), specs.length, V, greedy, `context ${length} greedy`);
    }
  });

  it('a context of one repeated token (every match as long as the window) and an empty one', async () => {
    const same = new Array(500).fill(7);
    const specs: RowSpec[] = [
      { config: { dry_multiplier: 1, dry_base: 1.75 }, contextIds: same },
      { config: { dry_multiplier: 1, dry_base: 1.75, dry_penalty_last_n: 10 }, contextIds: same },
      { config: { dry_multiplier: 1, presence_penalty: 1, frequency_penalty: 1 }, contextIds: [] },
      { config: { dry_multiplier: 1 }, contextIds: [7, 7] },
    ];
    const run = await compare(logitsFor(specs.length, 70), specs.length, V, specs, 'degenerate contexts');
    expect(run.rows[0].stages.map((s) => s.name)).toEqual(['dry']);
  });
});
