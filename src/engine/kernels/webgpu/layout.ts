/**
 * Word layout of the per-row output block the kernels write (the H_* constants of the generated
 * WGSL prelude, wgsl-prelude.ts; the result blocks mirror shaders/verify.wgsl). Floats are f32
 * bits. A row is H_SIZE header words + rawTop ids[k] + rawTop logprobs[k] + processedTop ids[k] +
 * processedTop logprobs[k]: for k = 10 that is 96 words (384 bytes) per row written, of which the
 * host reads back only the words it decodes (rowBlockRanges).
 */
export const H = {
  TOKEN: 0,
  PROC_PROB: 1,
  RAW_RANK: 2,
  RAW_PROB: 3,
  RAW_LOGPROB: 4,
  ENTROPY: 5,
  VARENTROPY: 6,
  TEMPERATURE: 7,
  DEGENERATE: 8,
  RAW_M: 9,
  RAW_LNZ: 10,
  PROC_M: 11,
  PROC_LNZ: 12,
  PROC_COUNT: 13,
  PINF: 14,
  RAW_TOP_N: 15,
  PROC_TOP_N: 16,
  /** Per chain position (not per processor): kept count, then removed mass, MAX_STAGES words each. */
  KEPT: 24,
  REMOVED: 40,
  SIZE: 56,
} as const;

/** Longest processor chain a row can run (the header's kept / removed arrays). */
export const MAX_STAGES = 16;

export function rowStride(topK: number): number {
  return H.SIZE + 4 * topK;
}

/** Word offsets [start, end) inside a readback: only these words are copied to the host. */
export type WordRange = readonly [start: number, end: number];

/**
 * The words of the row block at `base` the host decodes (readback.ts): the header's results
 * (token .. processed top-k count; the words after them are GPU scratch), the kept and removed
 * slots of the row's `stages`, and the top-k lists, the processed one only when a stage ran (with
 * none it is the raw list). For k = 10 a row without stages reads 37 of its 96 words.
 */
export function rowBlockRanges(base: number, topK: number, stages: number): WordRange[] {
  const ranges: WordRange[] = [[base, base + H.PROC_TOP_N + 1]];
  if (stages > 0) ranges.push([base + H.KEPT, base + H.KEPT + stages], [base + H.REMOVED, base + H.REMOVED + stages]);
  ranges.push([base + H.SIZE, base + H.SIZE + (stages > 0 ? 4 : 2) * topK]);
  return ranges;
}

/** Bytes in `ranges` (words). */
export function rangeBytes(ranges: readonly WordRange[]): number {
  return ranges.reduce((a, [s, e]) => a + (e - s) * 4, 0);
}

/** Ranges sorted and merged where they touch or overlap, so each becomes one copy. */
export function mergeRanges(ranges: readonly WordRange[]): WordRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Chain result block: 4 words, K x 4 position words, k residual ids, k residual probs. */
export function chainBlockWords(K: number, topK: number): number {
  return 4 + 4 * K + 2 * topK;
}

/**
 * Tree result block: 4 words, N path words, N x 5 examined words, k residual ids, k residual probs,
 * N node probabilities, then the row blocks of up to `pathRows` path rows (root first).
 */
export function treeBlockWords(N: number, topK: number, pathRows: number): number {
  return 4 + N + 5 * N + 2 * topK + N + pathRows * rowStride(topK);
}

/** Word offsets inside the tree result block of its node probabilities and its path rows. */
export function treeBlockParts(N: number, topK: number): { nodeP: number; rows: number } {
  const nodeP = 4 + N + 5 * N + 2 * topK;
  return { nodeP, rows: nodeP + N };
}

/** Row flags (RowParams.flags). */
export const F = {
  DYNATEMP: 1,
  CHOOSE_GREEDY: 2,
  CHOOSE_NONE: 4,
  CHOOSE_FORCE: 8,
} as const;

export const DIMS_WORDS = 16;
