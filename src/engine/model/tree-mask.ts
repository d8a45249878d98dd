/**
 * Attention mask and position ids of a token tree appended to the past, for exports that read a
 * tree from attention_mask (export-contract.ts `treeMask`; tools/tree-mask): a value n >= 2 makes
 * a key visible only to queries at sequence index <= n - 2.
 *
 * `parents[i]` is the index of token i's parent among the tokens, or -1 for a token that follows
 * the past directly. The tokens must be in depth-first pre-order (parents before children, every
 * subtree contiguous), so "k is an ancestor of q" is "k <= q <= the last index of k's subtree": the
 * mask carries that last index per key, and a token's position id is past + its depth.
 */
export function treeMaskFeeds(past: number, parents: readonly number[], positionOffset: number): { mask: BigInt64Array; positions: BigInt64Array } {
  const T = parents.length;
  const depth = new Array<number>(T);
  for (let i = 0; i < T; i++) {
    const p = parents[i];
    if (p >= i || p < -1) throw new RangeError(`token ${i}: parent ${p} does not come before it`);
    // Pre-order: the parent is an ancestor of (or is) the token just before.
    if (p >= 0) for (let u = i - 1; u !== p; u = parents[u]) if (u < p) throw new RangeError(`token ${i}: the tree is not in depth-first pre-order`);
    depth[i] = p < 0 ? 0 : depth[p] + 1;
  }
  const end = Array.from({ length: T }, (_, i) => i);
  for (let i = T - 1; i > 0; i--) if (parents[i] >= 0) end[parents[i]] = Math.max(end[parents[i]], end[i]);
  const mask = new BigInt64Array(past + T).fill(1n);
  const positions = new BigInt64Array(T);
  for (let i = 0; i < T; i++) {
    if (end[i] < T - 1) mask[past + i] = BigInt(2 + past + end[i]);
    positions[i] = BigInt(positionOffset + past + depth[i]);
  }
  return { mask, positions };
}
