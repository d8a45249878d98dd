/**
 * Tree (multi-draft) speculative verification on WebGPU in one dispatch (contract in types.ts;
 * the rule is the CPU kernels' walkTree, cpu/tree.ts, which the tests hold the WGSL to). Supports
 * i.i.d., without-replacement and deterministic (one-hot) sibling drafts, greedy, and uniforms
 * overrides; relaxed acceptance is CPU-only (RangeError here: run that request on the CPU
 * kernels). The CPU-only result fields (choices, relaxedDrift) are not filled.
 */
import { childrenOf } from '../cpu/tree.ts';
import type { TreeVerifyRequest, TreeVerifyResult } from '../types.ts';
import type { GpuContext, GpuProbs } from './context.ts';
import { rowBlockRanges, rowStride, treeBlockParts, treeBlockWords } from './layout.ts';
import { clampTopK } from '../limits.ts';
import { planRow, targetRows, VFLAG, verifyKeys } from './params.ts';
import { rowStats, treeOutcome } from './readback.ts';
import { encodeVerify } from './verify-common.ts';

export async function runVerifyTree(ctx: GpuContext, req: TreeVerifyRequest): Promise<TreeVerifyResult> {
  const target = req.target;
  const V = target.vocab;
  const N = req.parents.length;
  const children = childrenOf(req.parents, req.tokens, V);
  if (req.relaxed) throw new RangeError('verifyTree: relaxed acceptance is implemented by the CPU kernels only');
  const det = req.deterministic === true;
  if (target.rows !== N) throw new RangeError(`verifyTree: need ${N} target rows (one per node), got ${target.rows}`);
  if (req.q.length !== N && !det) throw new RangeError(`verifyTree: q needs one entry per node (${N})`);
  if (req.uniforms && req.uniforms.length < N) throw new RangeError(`verifyTree: uniforms need one entry per node id (${N})`);
  const k = clampTopK(req.topK);
  const sub = req.sub ?? 0;
  const greedy = req.greedy === true || req.config.temperature === 0;
  const drafts = children.map((kids, j) => {
    const ref = req.q[j];
    if (kids.length === 0 || det) return undefined;
    if (!ref) throw new RangeError(`verifyTree: node ${j} has children but no draft distribution`);
    const q = ctx.probsRow(ref);
    if (q.vocab !== V) throw new RangeError('draft distribution vocab differs from target vocab');
    return q;
  });

  const pathTokens = (j: number): number[] => {
    const out: number[] = [];
    for (let u = j; u > 0; u = req.parents[u]) out.push(req.tokens[u]);
    return out.reverse();
  };
  const rowReqs = targetRows(req, N, sub, pathTokens);
  const plans = rowReqs.map((r) => planRow(r.config, r.choose));
  const stride = rowStride(k);
  const src = ctx.bindLogits(target);
  // aux: tok[N], child_start[N], child_count[N], children (ascending id per parent), uniforms[N].
  const prefix = new Uint32Array(5 * N);
  if (req.uniforms) new Float32Array(prefix.buffer, 4 * N * 4, N).set(req.uniforms.slice(0, N));
  let at = 0;
  for (let u = 0; u < N; u++) {
    prefix[u] = u === 0 ? 0 : req.tokens[u];
    prefix[N + u] = at;
    prefix[2 * N + u] = children[u].length;
    for (const c of children[u]) prefix[3 * N + at++] = c;
  }
  const resOff = N * stride;
  // The longest root-to-leaf path bounds the path rows the block can hold.
  const depth = new Array<number>(N).fill(0);
  for (let j = 1; j < N; j++) depth[j] = depth[req.parents[j]] + 1;
  const pathRows = Math.max(...depth) + 1;
  const blockWords = treeBlockWords(N, k, pathRows);
  const words = resOff + blockWords;
  const dims = {
    vocab: V,
    rows: N,
    topk: k,
    stride,
    inOffset: src.offset,
    kDraft: N,
    vflags: (req.uniforms ? VFLAG.UNIFORMS : 0) | (greedy ? VFLAG.GREEDY : 0) | (req.withoutReplacement ? VFLAG.WITHOUT_REPLACEMENT : 0) | (det ? VFLAG.DETERMINISTIC : 0),
    resOff,
    ...verifyKeys(req.seed, req.step, sub),
  };
  const buffers = ctx.upload(plans, rowReqs, prefix, dims, src, words);
  // Work space: the current p [V] (ending as the next token's distribution), then the current q [V].
  const work = ctx.pool.scratch.get(2 * V * 4);
  buffers.auxf = work;

  const enc = encodeVerify(ctx, 'verifyTree', 'verify-tree', src, N, V, buffers, drafts);
  let next: GpuProbs | undefined;
  if (req.keepNext) {
    next = ctx.newProbs('next-probs', 1, V);
    enc.copyBufferToBuffer(work, 0, next.buffer!, 0, V * 4);
  }
  // Only the result block comes back: it ends with the node probabilities and the path's rows
  // (every row has the same processors, so the same words of each).
  const parts = treeBlockParts(N, k);
  const ranges = [[0, parts.rows] as const, ...Array.from({ length: pathRows }, (_, d) => rowBlockRanges(parts.rows + d * stride, k, plans[0].stages.length)).flat()];
  const out = await ctx.readResults(enc, buffers.outw!, blockWords * 4, next, resOff * 4, ranges);
  const r = treeOutcome(out, 0, req.tokens, k, greedy, req.uniforms);
  return {
    path: r.path,
    tokens: r.path.map((j) => req.tokens[j]),
    nextToken: r.nextToken,
    nextKind: r.nextKind,
    examined: r.examined,
    targetStats: [0, ...r.path].map((j, d) => rowStats(out, parts.rows + d * stride, k, plans[j])),
    nodeP: Array.from({ length: N }, (_, j) => (j === 0 ? NaN : out.f[parts.nodeP + j])),
    next,
    bytesReadBack: out.copied,
    residualTop: r.residualTop,
  };
}
