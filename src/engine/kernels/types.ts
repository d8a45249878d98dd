/**
 * The backend-neutral Kernels interface: everything a strategy needs from the decoding math, with
 * two implementations — `cpu/` (TypeScript reference, f64) and `webgpu/` (WGSL, f32).
 *
 * Why handles and async: on WebGPU the logits and the processed distributions stay in GPU buffers;
 * only chosen ids, top-k lists (k <= 64) and scalars come back. A strategy therefore never sees a
 * full distribution unless it asks for one explicitly (`readProbs`, tests and the golden runner).
 *
 * Conventions shared by both backends (the WGSL code mirrors these; the golden file checks them):
 * - Logit sanitation: NaN -> -inf. If any logit in a row is +inf, the +inf entries become 0 and all
 *   others -inf (the limit of the softmax). If every logit is -inf the row is treated as all-equal
 *   (uniform) and `degenerate` is set in the row's stats.
 * - Processors run in the registry's default order (Hugging Face's, extended: logit_bias ->
 *   repetition_penalty -> presence_frequency -> dry -> temperature (or dynamic temperature) ->
 *   top_k -> top_p -> min_p -> typical_p -> epsilon_cutoff -> eta_cutoff -> top_n_sigma -> xtc ->
 *   mirostat), with min_tokens_to_keep = 1; `sampler_order` picks another order
 *   (processors/registry.ts). A processor is active (and reported as a stage) only when its value
 *   is not the neutral one (HF rule), e.g. temperature != 1, top_k > 0, top_p < 1.
 * - XTC draws its coin from the row's key (seed, step, sub); mirostat reads the row's carried
 *   `state` (RowRequest.state). Speculative verification refuses both (checkVerifiable).
 * - temperature = 0 means greedy: the processed distribution is one-hot at the argmax of the
 *   penalized logits (ties -> lowest id); every later stage then keeps 1.
 * - Argmax ties always go to the lowest token id.
 * - "kept" counts tokens not removed so far, i.e. with a finite processed logit after the stage
 *   (a kept token's probability may still underflow to 0, e.g. logits spanning 3000 at T = 2).
 * - "rank" of a token is the number of tokens with a strictly larger raw logit (0 = top; ties share).
 * - Sampling is Gumbel-max: argmax_i (logq_i + g_i) over tokens with finite processed logit, where
 *   logq_i is the processed log-probability and g_i = gumbel(seed, step, purposeWord('sample', sub), i)
 *   from `src/engine/rng.ts` (identical in `shaders/rng.wgsl`).
 */

import type { ProcessorState } from './processors/descriptor.ts';
import type { TopK } from './top-list.ts';
import type { ProcessorConfig, StageName } from './processors/registry.ts';

/** Element type of a GPU logits buffer. f16 is read as packed u32 pairs where `shader-f16` is missing. */
export type LogitsDType = 'float32' | 'float16';

/** Row-major [rows, vocab] logits already in JavaScript memory (CPU backend; uploaded on WebGPU). */
export interface CpuLogits {
  readonly kind: 'cpu';
  readonly rows: number;
  readonly vocab: number;
  /** Float64Array is accepted so that golden vectors keep their precision on the reference path. */
  readonly data: Float32Array | Float64Array;
}

/** Row-major [rows, vocab] logits living in a GPU buffer (e.g. written by ORT through `fetches`). */
export interface GpuLogits {
  readonly kind: 'gpu';
  readonly rows: number;
  readonly vocab: number;
  readonly buffer: GPUBuffer;
  readonly dtype: LogitsDType;
  /** Byte offset of row 0 in `buffer` (ORT buffers are size-bucketed: never infer size from buffer.size). */
  readonly byteOffset?: number;
}

export type Logits = CpuLogits | GpuLogits;

/**
 * Opaque handle to processed distributions (one per row) kept by the backend, e.g. a draft model's
 * q for speculative verification. CPU: Float64Array probabilities; GPU: a buffer. Dispose when done.
 */
export interface ProbsHandle {
  readonly kind: 'probs';
  readonly backend: KernelsBackend;
  readonly rows: number;
  readonly vocab: number;
}

/**
 * Per-row processor settings (Hugging Face / llama.cpp names) and stage names come from the
 * processor table (processors/registry.ts), where each processor declares its keys.
 * Dynamic temperature follows llama.cpp "dynatemp": when `dynatemp_range` > 0 the temperature stage
 * uses T = minT + (maxT - minT) * (H / ln N) ^ dynatemp_exponent, with minT = max(0, temperature -
 * range), maxT = temperature + range, H the entropy (nats) of softmax of the logits entering the
 * stage and N the number of finite ones (N = 1 -> T = minT). The effective T is reported per row.
 */
export type { ProcessorConfig, StageName } from './processors/registry.ts';
export type { ProcessorState } from './processors/descriptor.ts';

/** One processor's effect on a row, for the waterfall view. */
export interface StageStat {
  name: StageName;
  /** Tokens still in the running after this stage (finite processed logit; see "kept" above). */
  kept: number;
  /** Probability mass (of the distribution entering this stage) that this stage removed. */
  removedMass: number;
}

export type { TopK } from './top-list.ts';

/** Statistics of one row: raw = softmax of the sanitized logits, processed = after all stages. */
export interface RowStats {
  entropy: number; // raw, nats
  varentropy: number; // raw, sum p (ln p + H)^2, nats^2
  rawTop: TopK;
  processedTop: TopK;
  stages: StageStat[];
  /** Effective temperature after dynatemp (the configured one otherwise; 1 when off). */
  temperature: number;
  /** Row had no finite logit and was treated as uniform. */
  degenerate: boolean;
}

/**
 * What to do with a row after processing. 'force' describes a given token (`forceToken`) as if it
 * had been chosen: Analyze mode scores a text, branching emits a token the user picked.
 */
export type ChooseMode = 'sample' | 'greedy' | 'force' | 'none';

export interface RowRequest {
  config: ProcessorConfig;
  /** Token ids seen so far, for the repetition penalty (duplicates allowed, out-of-range ignored). */
  contextIds?: ArrayLike<number>;
  /** 'sample' with temperature 0 acts as greedy. Default 'sample'. */
  choose?: ChooseMode;
  /** The token described when choose = 'force' (0 <= id < vocab). */
  forceToken?: number;
  /**
   * RNG key for sampling: gumbel(seed, step, purposeWord('sample', sub), tokenId); processors that
   * draw (XTC) use the same (seed, step, sub) with their own purpose.
   */
  seed: number;
  step: number;
  sub?: number;
  /** Processor state carried from the previous step (mirostat's mu; registry.ts initialState / nextState). */
  state?: ProcessorState;
  /**
   * The caller reads only the choice's token and processed probability, processedTop, the stages
   * and the processed distribution (a draft model's rows). The CPU kernels may then skip the raw
   * distribution's statistics when no stage needs them: entropy, varentropy, the choice's raw
   * fields come back NaN and rawTop empty. The WebGPU kernels compute everything regardless.
   */
  lean?: boolean;
}

export interface StepRequest {
  /** One entry per logits row. */
  rows: RowRequest[];
  /** Length of rawTop / processedTop (1..64). Beam search / AdaDec use processedTop as candidates. Default 10. */
  topK?: number;
  /** Keep the processed distributions on the backend and return them (draft q for speculation). */
  keepProcessed?: boolean;
}

export interface Choice {
  token: number;
  rawProb: number;
  rawLogprob: number;
  rawRank: number;
  processedProb: number;
}

export interface StepRowResult extends RowStats {
  /** Absent when choose = 'none'. */
  choice?: Choice;
}

export interface StepResult {
  rows: StepRowResult[];
  /** Present when keepProcessed was set; caller disposes it. */
  processed?: ProbsHandle;
  /** Bytes copied device -> host by this call (0 on CPU); summed into trace stats. */
  bytesReadBack: number;
}

/** A reference to one row of a ProbsHandle. */
export interface ProbsRef {
  probs: ProbsHandle;
  row: number;
}

/**
 * Chain speculative verification. Target row i (0..K) is processed with `config` and context
 * `contextIds ++ draftTokens[0..i)`; q[i] is the draft's processed distribution at position i.
 * Accept draft i while u_i < min(1, p_i(x_i) / q_i(x_i)) (q = 0: ratio 1 if p > 0, else 0), u_i = uniform(seed, step,
 * purposeWord('accept', sub), i). At the first rejection n, the next token is Gumbel-max over
 * normalize(max(0, p_n - q_n)) with purpose 'residual' (if the residual has no mass — p_n == q_n up to
 * rounding — it samples p_n itself with the same purpose). If all K are accepted the bonus token is
 * Gumbel-max over p_K with purpose 'bonus'. Greedy (temperature 0 or greedy: true): accept while
 * argmax p_i == x_i; next token = argmax p_n (or p_K).
 */
export interface ChainVerifyRequest {
  target: Logits; // K + 1 rows
  q: ProbsRef[]; // K entries
  draftTokens: number[]; // K ids
  config: ProcessorConfig;
  contextIds?: ArrayLike<number>;
  greedy?: boolean;
  seed: number;
  step: number;
  sub?: number;
  topK?: number; // for the residual's top-k and the target rows' stats; default 10
  /** Override the RNG uniforms u_0..u_{K-1} (golden vectors, tests); normally omitted. */
  uniforms?: number[];
  /** Keep the distribution the next token was drawn from (residual or p_K) and return it. */
  keepNext?: boolean;
}

export interface ChainPosition {
  token: number; // draft token x_i
  p: number; // target processed prob of x_i
  q: number; // draft processed prob of x_i
  u: number; // the uniform used (NaN in greedy mode)
  accepted: boolean;
}

export interface ChainVerifyResult {
  /** Number of leading draft tokens accepted (0..K). */
  accepted: number;
  /** Token emitted after the accepted prefix. */
  nextToken: number;
  /** 'residual' after a rejection (in greedy mode: the target's argmax at the mismatch), 'bonus' when all K were accepted. */
  nextKind: 'residual' | 'bonus';
  /** Positions examined: accepted ones plus the rejected one (if any). */
  positions: ChainPosition[];
  /** Top-k of normalize(max(0, p_n - q_n)) at a rejection; undefined when all were accepted. */
  residualTop?: TopK;
  /** Stats of each target row 0..accepted (the rows whose tokens are emitted). */
  targetStats: RowStats[];
  /** CPU: the emitted tokens (accepted drafts, then the next token) described on their rows. */
  choices?: Choice[];
  /** CPU: the target's processed probability of every draft token, examined or not (the draft tree shows them all). */
  draftP?: number[];
  /** With keepNext: the next token's distribution (residual or p_K), 1 row; caller disposes. */
  next?: ProbsHandle;
  bytesReadBack: number;
}

/**
 * Draws from row `row` of a kept distribution q, one per uniform u in (0, 1): the first token whose
 * cumulative mass exceeds u times the total (cpu/draws.ts drawInverseCdf; tokens with q = 0 never
 * come out). Without replacement, each draw is from q without the tokens drawn before it.
 */
export interface DrawRequest {
  row: number;
  /** 1..MAX_TOP_K uniforms in (0, 1). */
  uniforms: number[];
  withoutReplacement?: boolean;
}

export interface DrawResult {
  /** Per request: the tokens drawn (fewer than asked only when no mass is left), and q of each. */
  draws: { tokens: number[]; q: number[] }[];
  bytesReadBack: number;
}

export type KernelsBackend = 'cpu' | 'webgpu';

export interface Kernels {
  readonly backend: KernelsBackend;
  /** Wrap (CPU) or upload (GPU) logits; data is row-major [rows, vocab]. */
  createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits>;
  /**
   * New logits holding `rows[i]` of `logits` as row i (a row may repeat), on the same backend: the
   * GPU copies rows buffer to buffer and nothing comes back, except float16 rows of an odd
   * vocabulary (a copy must be 4-byte aligned), which pass through the host (`bytesReadBack`).
   * Caller disposes the logits.
   */
  gatherRows(logits: Logits, rows: readonly number[]): Promise<{ logits: Logits; bytesReadBack: number }>;
  /** Process, measure and choose a token for every row in one call. */
  step(logits: Logits, request: StepRequest): Promise<StepResult>;
  /** Speculative chain verification (see ChainVerifyRequest). */
  verifyChain(request: ChainVerifyRequest): Promise<ChainVerifyResult>;
  /**
   * Inverse-CDF draws from kept distributions (rows of `probs`), with the caller's uniforms: see
   * DrawRequest. Only the drawn tokens and their probabilities come back.
   */
  drawFromProbs(probs: ProbsHandle, requests: DrawRequest[]): Promise<DrawResult>;
  /** Reads one full processed distribution back (tests, golden runner, debugging: V floats). */
  readProbs(ref: ProbsRef): Promise<Float64Array>;
  /** Frees a handle this backend created (logits from createLogits, ProbsHandle from step). Idempotent. */
  dispose(handle: Logits | ProbsHandle): void;
  /** Frees pipelines and pooled buffers. */
  destroy(): void;
}

/**
 * Factory contract for the WebGPU implementation: `src/engine/kernels/webgpu/index.ts` exports
 * `createWebGpuKernels(device?: GPUDevice): Promise<Kernels>` (no device -> request one from
 * `navigator.gpu`, or the `webgpu` package's `create()` in Node). The CPU one is `createCpuKernels()`
 * in `src/engine/kernels/cpu/index.ts`.
 */
export type CreateWebGpuKernels = (device?: GPUDevice) => Promise<Kernels>;

/*
 * Pure, backend-free helpers live in the CPU folder and are usable anywhere (tests, strategies):
 * `verifyChainWithUniforms(p, q, draftTokens, uniforms)` in `cpu/speculative.ts` runs the chain
 * acceptance rule on given distributions and uniforms (the golden file's form) and returns
 * { accepted, nextDistribution }.
 */

/*
 * ---------------------------------------------------------------------------------------------
 * Tree (multi-draft) speculative verification. Optional on a backend (`hasVerifyTree`): the WebGPU
 * kernels implement the core rule (webgpu/verify-tree.ts, same layout and RNG keys); the CPU kernels
 * implement it plus the extensions marked "CPU" below. Strategies use the CPU kernels when the
 * backend lacks the method or an extension.
 *
 * Layout: nodes 0..N-1, node 0 is the root (the last committed token; tokens[0] is ignored);
 * parents[0] = -1 and parents[j] < j; children are tried in ascending id. Target row j is the
 * target's distribution after the path root..j (processed with `config`, context
 * `contextIds ++ path tokens`); q[j] is the draft distribution node j's children were drawn from.
 *
 * Walk from the root. At node n with target p and children c_1..c_m (x = token of c):
 *   accept c iff u < min(1, p(x) / q_c(x)) (q_c(x) = 0: ratio 1 if p(x) > 0 else 0),
 *   u = uniform(seed, step, purposeWord('accept', sub), c)   (c = node id, root = 0);
 *   accepted: descend into c; rejected: p <- normalize(max(0, p - q_c)) (unchanged if no mass).
 * q_c by mode:
 *   default (i.i.d. siblings, SpecInfer / SpecTr)  q_c = q[n];
 *   withoutReplacement (RSD, Gumbel-top-k children) q_c = q[n] minus the earlier siblings'
 *     tokens, renormalized (after each rejection: zero x, divide by the remaining sum);
 *   deterministic (prompt lookup, Token Recycling)  q_c = one-hot at x: "accept with
 *     probability p(x), residual = p without x"; q is not read.
 * Every mode is lossless: from any state p the emitted token is distributed as p whatever the
 * siblings left (induction: a trial emits min(p, q_c) and fails with mass sum max(0, p - q_c)).
 * All children rejected: next = Gumbel-max over p with purpose 'residual'; a node without
 * children: Gumbel-max over its row with purpose 'bonus' (gumbel(seed, step, purposeWord(purpose,
 * sub), tokenId), as verifyChain). Greedy (temperature 0 or greedy: true): accept the first child
 * whose token is argmax p; else next = argmax p.
 *
 * Relaxed acceptance (CPU; LANTERN-style, lossy, opt-in): `relaxed.neighbors` is [vocab x width]
 * nearest tokens in embedding space (self excluded, nearest first). The test uses
 * p~(x) = p(x) + mass of x's first k - 1 neighbours, added nearest first while the added mass
 * stays <= delta. Greedy: accept x also when argmax t is among those neighbours and
 * p(t) - p(x) <= delta. k = 1 or delta = 0 is exact. `relaxedDrift` is the total-variation
 * distance between p and what the relaxed rule emits at the root for one draft x ~ q[0]
 * (deterministic: the first child), computed exactly.
 */
export interface RelaxedAcceptance {
  /** Row-major [vocab, width] nearest-neighbour ids (self excluded, nearest first; -1 = none). */
  neighbors: Int32Array;
  width: number;
  /** Pool size including the token itself (1 = exact). */
  k: number;
  /** Largest extra target mass the neighbours may lend (0 = exact). */
  delta: number;
}

export interface TreeVerifyRequest {
  /** N rows, row j = target after the path root..j. */
  target: Logits;
  parents: number[];
  tokens: number[];
  /** N entries; required for nodes with children unless deterministic. */
  q: (ProbsRef | undefined)[];
  config: ProcessorConfig;
  contextIds?: ArrayLike<number>;
  greedy?: boolean;
  withoutReplacement?: boolean;
  /** One-hot drafts (q not read). */
  deterministic?: boolean;
  /** CPU: LANTERN-style relaxed acceptance. */
  relaxed?: RelaxedAcceptance;
  seed: number;
  step: number;
  sub?: number;
  topK?: number;
  /** CPU: override u per node id (tests). */
  uniforms?: number[];
  keepNext?: boolean;
}

export interface TreeExamined {
  node: number;
  token: number;
  /** Current (possibly residual) target prob and draft prob q_c of the token when tested. */
  p: number;
  q: number;
  u: number;
  accepted: boolean;
  /** CPU: accepted only thanks to relaxed acceptance. */
  relaxed?: boolean;
}

export interface TreeVerifyResult {
  /** Accepted nodes, root excluded, in order; their tokens are emitted first. */
  path: number[];
  tokens: number[];
  nextToken: number;
  nextKind: 'residual' | 'bonus';
  examined: TreeExamined[];
  /** Stats of the target rows on the path: root, then each accepted node. */
  targetStats: RowStats[];
  next?: ProbsHandle;
  bytesReadBack: number;
  /** CPU: the emitted tokens (path tokens, then next) described on those rows. */
  choices?: Choice[];
  /** Target processed prob of every node's token at its parent (NaN for the root). */
  nodeP?: number[];
  /** CPU: top of the final residual when every child of the last node was rejected. */
  residualTop?: TopK;
  /** CPU: see relaxed acceptance above. */
  relaxedDrift?: number;
}

/** Kernels with tree verification. */
export interface TreeKernels extends Kernels {
  verifyTree(request: TreeVerifyRequest): Promise<TreeVerifyResult>;
}

export function hasVerifyTree(k: Kernels): k is TreeKernels {
  return typeof (k as Partial<TreeKernels>).verifyTree === 'function';
}
