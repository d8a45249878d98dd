/**
 * Limits every backend enforces the same way. MAX_TOP_K bounds the top-k lists a row reports
 * (rawTop / processedTop, residual tops); the WGSL kernels size workgroup arrays by it
 * (MAX_TOPK in shaders/kernels-common.wgsl).
 */
export const MAX_TOP_K = 64;

/** The topK of a request: 10 when omitted, else an integer in [1, MAX_TOP_K] (RangeError otherwise). */
export function clampTopK(k: number | undefined): number {
  const v = k ?? 10;
  if (!Number.isInteger(v) || v < 1 || v > MAX_TOP_K) throw new RangeError(`topK must be an integer in [1, ${MAX_TOP_K}], got ${v}`);
  return v;
}

/** A drawFromProbs request's uniforms: 1..MAX_TOP_K numbers strictly between 0 and 1. */
export function checkDrawUniforms(uniforms: readonly number[]): void {
  if (uniforms.length < 1 || uniforms.length > MAX_TOP_K) throw new RangeError(`drawFromProbs: 1..${MAX_TOP_K} uniforms per request, got ${uniforms.length}`);
  for (const u of uniforms) if (!(u > 0 && u < 1)) throw new RangeError(`drawFromProbs: uniforms must be in (0, 1), got ${u}`);
}
