import type { ProcessorDescriptor } from '../processors/registry.ts';

/**
 * Word layout of the per-row output block the kernels write (mirrors the H_* constants in
 * shaders/kernels-common.wgsl and the result block in shaders/verify.wgsl). Floats are f32 bits.
 * A row is H_SIZE header words + rawTop ids[k] + rawTop logprobs[k] + processedTop ids[k] +
 * processedTop logprobs[k]: for k = 10 that is 80 words (320 bytes) per row read back.
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
  KEPT: 24,
  REMOVED: 32,
  SIZE: 40,
} as const;

export function rowStride(topK: number): number {
  return H.SIZE + 4 * topK;
}

/** Chain result block: 4 words, K x 4 position words, k residual ids, k residual probs. */
export function chainBlockWords(K: number, topK: number): number {
  return 4 + 4 * K + 2 * topK;
}

/** Tree result block: 4 words, N path words, N x 5 examined words, k residual ids, k residual probs. */
export function treeBlockWords(N: number, topK: number): number {
  return 4 + N + 5 * N + 2 * topK;
}

/**
 * Row flags (RowParams.flags) beside the processors' own (bit `gpu.slot` of each descriptor, see
 * stageFlag), as in kernels-common.wgsl.
 */
export const F = {
  DYNATEMP: 256,
  CHOOSE_GREEDY: 512,
  CHOOSE_NONE: 1024,
  CHOOSE_FORCE: 2048,
} as const;

/** A processor's row flag: process.wgsl runs stage `st` when bit `st` is set. */
export function stageFlag(d: ProcessorDescriptor): number {
  return 1 << d.gpu.slot;
}

export const ROW_PARAM_WORDS = 16;
export const DIMS_WORDS = 16;
