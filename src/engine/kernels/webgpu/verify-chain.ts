/**
 * Chain speculative verification on WebGPU (contract in types.ts): the K + 1 target rows are
 * processed and the chain rule (shaders/verify.wgsl) runs in one dispatch; the result block and
 * the rows' statistics come back.
 */
import type { ChainVerifyRequest, ChainVerifyResult, RowStats } from '../types.ts';
import type { GpuContext, GpuProbs } from './context.ts';
import { chainBlockWords, rowBlockRanges, rowStride } from './layout.ts';
import { clampTopK } from '../limits.ts';
import { planRow, targetRows, VFLAG, verifyKeys } from './params.ts';
import { chainOutcome, rowStats } from './readback.ts';
import { encodeVerify } from './verify-common.ts';

export async function runVerifyChain(ctx: GpuContext, req: ChainVerifyRequest): Promise<ChainVerifyResult> {
  const target = req.target;
  const K = req.draftTokens.length;
  const V = target.vocab;
  if (target.rows !== K + 1 || req.q.length !== K) throw new RangeError(`verifyChain: need ${K + 1} target rows and ${K} draft distributions`);
  const k = clampTopK(req.topK);
  const sub = req.sub ?? 0;
  const greedy = req.greedy === true || req.config.temperature === 0;
  for (const x of req.draftTokens) if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`draft token ${x} out of range`);
  const drafts = req.q.map((ref) => ctx.probsRow(ref));
  for (const q of drafts) if (q.vocab !== V) throw new RangeError('draft distribution vocab differs from target vocab');
  if (req.uniforms && req.uniforms.length < K) throw new RangeError(`verifyChain: need ${K} uniforms, got ${req.uniforms.length}`);

  const rowReqs = targetRows(req, K + 1, sub, (i) => req.draftTokens.slice(0, i));
  const plans = rowReqs.map((r) => planRow(r.config, r.choose));
  const stride = rowStride(k);
  const src = ctx.bindLogits(target);
  // aux: draft tokens [K], then the uniforms [K] (f32 bits) when given.
  const prefix = new Uint32Array(2 * K);
  prefix.set(req.draftTokens, 0);
  if (req.uniforms) new Float32Array(prefix.buffer, K * 4, K).set(req.uniforms.slice(0, K));
  const resOff = (K + 1) * stride;
  const words = resOff + chainBlockWords(K, k);
  const dims = {
    vocab: V,
    rows: K + 1,
    topk: k,
    stride,
    inOffset: src.offset,
    kDraft: K,
    vflags: (req.uniforms ? VFLAG.UNIFORMS : 0) | (greedy ? VFLAG.GREEDY : 0),
    resOff,
    ...verifyKeys(req.seed, req.step, sub),
  };
  const buffers = ctx.upload(plans, rowReqs, prefix, dims, src, words);
  const next: GpuProbs | undefined = req.keepNext ? ctx.newProbs('next-probs', 1, V) : undefined;
  buffers.auxf = next?.buffer ?? ctx.pool.scratch.get(V * 4);

  const enc = encodeVerify(ctx, 'verify', 'verify-chain', src, K + 1, V, buffers, drafts);
  const ranges = [...plans.flatMap((plan, i) => rowBlockRanges(i * stride, k, plan.stages.length)), [resOff, words] as const];
  const out = await ctx.readResults(enc, buffers.outw!, words * 4, next, 0, ranges);
  const r = chainOutcome(out, resOff, req.draftTokens, k, greedy, req.uniforms);
  const targetStats: RowStats[] = [];
  for (let i = 0; i <= r.accepted; i++) targetStats.push(rowStats(out, i * stride, k, plans[i]));
  return {
    accepted: r.accepted,
    nextToken: r.nextToken,
    nextKind: r.nextKind,
    positions: r.positions,
    residualTop: r.residualTop,
    targetStats,
    next,
    bytesReadBack: out.copied,
  };
}
