import { describe, expect, it } from 'vitest';
import { H, mergeRanges, rangeBytes, rowBlockRanges, rowStride } from './layout.ts';

describe('readback ranges', () => {
  it('merges touching and overlapping ranges in order, keeps gaps', () => {
    expect(mergeRanges([[20, 30], [0, 5], [5, 9], [8, 12], [40, 41]])).toEqual([[0, 12], [20, 30], [40, 41]]);
    expect(mergeRanges([])).toEqual([]);
    expect(rangeBytes([[0, 12], [20, 30]])).toBe(88);
  });

  it('a row block reads its results, its stages and its lists; consecutive rows join', () => {
    const k = 10;
    expect(rowBlockRanges(0, k, 0)).toEqual([[0, H.PROC_TOP_N + 1], [H.SIZE, H.SIZE + 2 * k]]);
    expect(rowBlockRanges(0, k, 2)).toEqual([[0, 17], [H.KEPT, H.KEPT + 2], [H.REMOVED, H.REMOVED + 2], [H.SIZE, H.SIZE + 4 * k]]);
    const stride = rowStride(k);
    const two = mergeRanges([...rowBlockRanges(0, k, 2), ...rowBlockRanges(stride, k, 2)]);
    // the first row's lists end where the second row's header starts
    expect(two).toContainEqual([H.SIZE, stride + 17]);
    expect(rangeBytes(two)).toBe(2 * (17 + 4 + 40) * 4);
  });
});
