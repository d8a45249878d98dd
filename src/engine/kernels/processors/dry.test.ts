import { describe, expect, it } from 'vitest';
import { runCpuStage } from '../../../../tests/support/processor-run.ts';
import { DRY, dryMatchCap, dryMaxExponent, dryPenalty, dryRepeats } from './dry.ts';
import { activeProcessors } from './registry.ts';

const [a, b, c, y] = [0, 1, 2, 3];
// llama.cpp's worked example: in "a b c c b c y a b c" the suffix "a b c" recurs before the second
// c (3 long), "c" before b (1) and "b c" before y (2).
const ctx = [a, b, c, c, b, c, y, a, b, c];
const zeros = [0, 0, 0, 0, 0];
const run = (config: object, context = ctx, logits: (number | null)[] = zeros) => runCpuStage(DRY, { dry_multiplier: 1, dry_base: 2, ...config }, logits, context);

describe('dry', () => {
  it('finds the longest repeat of the suffix before each token', () => {
    expect(dryRepeats(ctx, { base: 2, allowed: 1, lastN: -1 })).toEqual(new Map([[b, 1], [c, 3], [y, 2]]));
  });

  it('penalizes multiplier * base^(length - allowed) for repeats at least allowed_length long', () => {
    expect(run({ dry_allowed_length: 2 })).toEqual([0, 0, -2, -1, 0]);
    expect(run({ dry_allowed_length: 1 })).toEqual([0, -1, -4, -2, 0]);
    expect(run({ dry_allowed_length: 1, dry_multiplier: 0.5, dry_base: 3 })).toEqual([0, -0.5, -4.5, -1.5, 0]);
  });

  it('scans only the last dry_penalty_last_n tokens; a window no longer than allowed_length does nothing', () => {
    // Window "c b c y a b c": only "b c" before y repeats.
    expect(run({ dry_penalty_last_n: 7 })).toEqual([0, 0, 0, -1, 0]);
    expect(run({ dry_penalty_last_n: 4 })).toEqual(zeros);
    expect(run({ dry_penalty_last_n: 2, dry_allowed_length: 2 })).toEqual(zeros);
    expect(activeProcessors({ dry_multiplier: 1, dry_penalty_last_n: 0 })).toEqual([]);
  });

  it('counts overlapping repeats ("a a a a": "a a a" recurs before the last a)', () => {
    expect(run({}, [a, a, a, a])).toEqual([-2, 0, 0, 0, 0]);
  });

  it('drops ids outside the vocabulary from the sequence and never revives a removed token', () => {
    expect(run({ dry_allowed_length: 1 }, [a, 99, a])).toEqual([-1, 0, 0, 0, 0]);
    expect(run({ dry_allowed_length: 1 }, ctx, [0, null, 0, 0, 0])).toEqual([0, -Infinity, -4, -2, 0]);
  });

  it("clamps the exponent as llama.cpp (base^exponent stays below FLT_MAX) and stops matching there", () => {
    expect(dryMaxExponent(10)).toBe(38);
    expect(dryMaxExponent(1.75)).toBe(158);
    expect(dryMaxExponent(1)).toBe(0);
    const s = { multiplier: 2, base: 10, allowed: 1, lastN: -1 };
    expect(dryPenalty(s, 100)).toBe(2 * 1e38);
    expect(dryMatchCap(s)).toBe(39);
    expect(dryMatchCap({ base: 1, allowed: 3 })).toBe(3);
    const long = new Array(60).fill(a);
    expect(dryRepeats(long, s)).toEqual(new Map([[a, 39]]));
    expect(run({ dry_base: 10, dry_allowed_length: 1 }, long)[0]).toBe(-1e38);
    expect(run({ dry_base: 1, dry_allowed_length: 1, dry_multiplier: 0.7 }, long)[0]).toBe(-0.7);
  });

  it.each([
    { dry_multiplier: -1 },
    { dry_multiplier: 11 },
    { dry_multiplier: 1, dry_base: 0.9 },
    { dry_multiplier: 1, dry_allowed_length: 0 },
    { dry_multiplier: 1, dry_allowed_length: 1.5 },
    { dry_multiplier: 1, dry_penalty_last_n: -2 },
    { dry_multiplier: NaN },
  ])('rejects %o with a RangeError', (config) => expect(() => activeProcessors(config)).toThrow(RangeError));
});
