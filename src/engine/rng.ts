/**
 * Counter-based RNG shared by the CPU kernels and WGSL (`shaders/rng.wgsl` is the same function).
 *
 * Every draw is a pure function of (seed, step, purpose, index): no hidden state advances, so a
 * rejected draft, a pause, a branch or a different backend never shifts any later draw. The hash
 * is a chain of PCG output permutations (Jarzynski & Olano, "Hash Functions for GPU Rendering",
 * JCGT 2020): only 32-bit multiply, add, xor and shifts, which JavaScript (Math.imul) and WGSL
 * (u32 wrapping arithmetic) compute bit-identically.
 */

/** What a draw is for; distinct purposes never share numbers. `sub` (0..2^24-1) splits a purpose further (trial, beam, draft level...). */
export const Purpose = {
  sample: 1,
  accept: 2,
  residual: 3,
  bonus: 4,
  draft: 5,
  trial: 6,
  branch: 7,
  xtc: 8,
} as const;
export type PurposeName = keyof typeof Purpose;

/** Packs a purpose and a sub-stream into the u32 purpose word. */
export function purposeWord(purpose: PurposeName, sub = 0): number {
  if (!Number.isInteger(sub) || sub < 0 || sub >= 1 << 24) throw new RangeError(`rng sub-stream out of range: ${sub}`);
  return ((sub << 8) | Purpose[purpose]) >>> 0;
}

function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/**
 * The hash of (seed, step, purpose): every draw of one row shares it, so a loop over a row's
 * tokens computes it once and pays one PCG round per token (gumbelAt).
 */
export function streamKey(seed: number, step: number, purpose: number): number {
  let h = pcg(seed >>> 0);
  h = pcg((h ^ (step >>> 0)) >>> 0);
  return pcg((h ^ (purpose >>> 0)) >>> 0);
}

/** The raw 32-bit hash of a key. */
export function hashKey(seed: number, step: number, purpose: number, index: number): number {
  return pcg((streamKey(seed, step, purpose) ^ (index >>> 0)) >>> 0);
}

/**
 * Uniform in the open interval (0, 1): (23 random bits + 0.5) / 2^23. Every value is exactly
 * representable in f32, so WGSL gets the same number; 0 and 1 never occur, so -ln(-ln u) is finite.
 */
export function uniform(seed: number, step: number, purpose: number, index: number): number {
  return ((hashKey(seed, step, purpose, index) >>> 9) + 0.5) / 8388608;
}

/** Gumbel(0, 1) noise for Gumbel-max sampling: argmax(logit_i + g_i) ~ softmax(logits). */
export function gumbel(seed: number, step: number, purpose: number, index: number): number {
  return gumbelAt(streamKey(seed, step, purpose), index);
}

/** uniform() of token `index` in the stream whose streamKey() is `stream`. */
export function uniformAt(stream: number, index: number): number {
  return ((pcg((stream ^ (index >>> 0)) >>> 0) >>> 9) + 0.5) / 8388608;
}

/** The Gumbel(0, 1) value of a uniform: gumbel() = gumbelOf(uniform()). */
export function gumbelOf(u: number): number {
  return -Math.log(-Math.log(u));
}

/** gumbel() of token `index` in the stream whose streamKey() is `stream`. */
export function gumbelAt(stream: number, index: number): number {
  return gumbelOf(uniformAt(stream, index));
}

/** A seed from any JavaScript number: integers are taken mod 2^32. */
export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  return Math.trunc(seed) >>> 0;
}
