/**
 * Every processor of the table on both backends (WGSL through Dawn, and the CPU reference), alone
 * and inside a longer chain, in each named sampler order and in reverse: same processed
 * distribution, stages and kept counts, and the same sampled and greedy tokens.
 */
import { describe, expect, it } from 'vitest';
import { useDawnKernels } from '../../../../tests/support/dawn.ts';
import { compare } from '../../../../tests/support/kernel-compare.ts';
import { randomLogits } from '../../../../tests/support/kernels.ts';
import { PROCESSOR_EXAMPLES } from '../../../../tests/support/processor-examples.ts';
import type { ProcessorConfig } from '../types.ts';
import { activeProcessors, PROCESSORS, SAMPLER_ORDERS } from './registry.ts';

useDawnKernels();

const V = 4099;
const context = Array.from({ length: 40 }, (_, j) => (j * 7919 + (j % 3) * 11) % V).concat([5, 5, 5, V + 3]);
const orders = [...Object.keys(SAMPLER_ORDERS), [...SAMPLER_ORDERS.hf].reverse().join(',')];

describe('each processor on WebGPU equals the CPU reference', () => {
  for (const d of PROCESSORS) {
    it(`${d.stage}: alone and in a chain, every order, sampled and greedy`, async () => {
      const data = randomLogits(V, 17 + d.stage.length);
      for (const [e, example] of PROCESSOR_EXAMPLES[d.stage].entries()) {
        expect(activeProcessors(example).map((p) => p.stage), 'the example turns the processor on').toContain(d.stage);
        const chained: ProcessorConfig = { repetition_penalty: 1.1, temperature: 0.9, top_k: 300, min_p: 0.01, ...example };
        for (const config of [example, ...orders.map((sampler_order) => ({ ...chained, sampler_order }))]) {
          const what = `${d.stage} example ${e} ${config.sampler_order ?? 'alone'}`;
          for (const seed of [1, 2, 3]) await compare(data, 1, V, [{ config, contextIds: context, seed, step: seed * 5 }], what);
          await compare(data, 1, V, [{ config, contextIds: context, choose: 'greedy' }], `${what} greedy`);
        }
      }
    });
  }
});
