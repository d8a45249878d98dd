import { describe, expect, it } from 'vitest';
import { runCpuStage } from '../../../../tests/support/processor-run.ts';
import { PRESENCE_FREQUENCY } from './presence-frequency.ts';
import { activeProcessors } from './registry.ts';

const run = (c: object, logits: (number | null)[], ctx?: number[]) => runCpuStage(PRESENCE_FREQUENCY, c, logits, ctx);

describe('presence_frequency', () => {
  it('subtracts presence once and frequency per occurrence (OpenAI formula)', () => {
    // Token 1 seen 3 times, token 3 once, token 0 never.
    const out = run({ presence_penalty: 0.5, frequency_penalty: 0.25 }, [1, 2, 3, 4], [1, 3, 1, 1]);
    expect(out).toEqual([1, 2 - 0.5 - 0.75, 3, 4 - 0.5 - 0.25]);
  });

  it('negative values favour seen tokens; either key alone turns it on', () => {
    expect(run({ presence_penalty: -1 }, [0, 0, 0], [2, 2])).toEqual([0, 0, 1]);
    expect(run({ frequency_penalty: -0.5 }, [0, 0, 0], [2, 2])).toEqual([0, 0, 1]);
    expect(activeProcessors({ presence_penalty: 0, frequency_penalty: 0 })).toEqual([]);
    expect(activeProcessors({ frequency_penalty: 0.1 }).map((d) => d.stage)).toEqual(['presence_frequency']);
  });

  it('ignores ids outside the vocabulary and never revives a removed token', () => {
    expect(run({ presence_penalty: -2, frequency_penalty: -2 }, [1, null, 1], [1, 7, -1, 0.5, 2])).toEqual([1, -Infinity, 5]);
    expect(run({ presence_penalty: 1 }, [1, 2], undefined)).toEqual([1, 2]);
  });

  it('runs after repetition_penalty, as llama.cpp penalties do', () => {
    expect(activeProcessors({ presence_penalty: 1, repetition_penalty: 1.2, sampler_order: 'llamacpp' }).map((d) => d.stage)).toEqual([
      'repetition_penalty',
      'presence_frequency',
    ]);
  });

  it.each([{ presence_penalty: 2.5 }, { frequency_penalty: -3 }, { presence_penalty: NaN }, { presence_penalty: 1, frequency_penalty: Infinity }])(
    'rejects %o with a RangeError',
    (c) => expect(() => activeProcessors(c)).toThrow(RangeError),
  );
});
