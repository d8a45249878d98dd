/**
 * `step` on WebGPU: stats -> process -> sample (and probs when the processed distribution is
 * kept), one workgroup per row each, in one command buffer; only the words of the per-row output
 * blocks the host decodes (results, stage slots, top-k lists: 148 bytes for a row without
 * processors, k = 10) come back.
 */
import type { Logits, StepRequest, StepResult, StepRowResult } from '../types.ts';
import type { GpuContext, GpuProbs } from './context.ts';
import { F, rowBlockRanges, rowStride } from './layout.ts';
import { clampTopK } from '../limits.ts';
import { planRow } from './params.ts';
import type { KernelName } from './pipelines.ts';
import { rowChoice, rowStats } from './readback.ts';

export function stepKernels(request: StepRequest): KernelName[] {
  return request.keepProcessed ? ['stats', 'process', 'sample', 'probs'] : ['stats', 'process', 'sample'];
}

export async function runStep(ctx: GpuContext, logits: Logits, request: StepRequest): Promise<StepResult> {
  const R = logits.rows;
  const V = logits.vocab;
  if (request.rows.length !== R) throw new RangeError(`step: ${request.rows.length} row requests for ${R} logits rows`);
  if (R > 65535) throw new RangeError(`step: at most 65535 rows per call, got ${R}`);
  const k = clampTopK(request.topK);
  const plans = request.rows.map((r) => planRow(r.config, r.choose));
  request.rows.forEach((r) => {
    if ((r.choose ?? 'sample') !== 'force') return;
    const t = r.forceToken;
    if (t === undefined || !Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`forceToken must be a token id in 0..${V - 1}, got ${t}`);
  });
  const stride = rowStride(k);
  const src = ctx.bindLogits(logits);
  const buffers = ctx.upload(plans, request.rows, new Uint32Array(0), { vocab: V, rows: R, topk: k, stride, inOffset: src.offset }, src, R * stride);
  const kept: GpuProbs | undefined = request.keepProcessed ? ctx.newProbs('processed-probs', R, V) : undefined;
  buffers.auxf = kept?.buffer ?? ctx.pool.scratch.get(16);

  const enc = ctx.device.createCommandEncoder({ label: 'step' });
  const pass = enc.beginComputePass({ label: 'step' });
  ctx.dispatchRows(pass, stepKernels(request), src.variant, R, buffers);
  pass.end();
  const ranges = plans.flatMap((plan, r) => rowBlockRanges(r * stride, k, plan.stages.length));
  const out = await ctx.readResults(enc, buffers.outw!, R * stride * 4, kept, 0, ranges);
  const rows: StepRowResult[] = plans.map((plan, r) => {
    const base = r * stride;
    const res: StepRowResult = rowStats(out, base, k, plan);
    if ((plan.flags & F.CHOOSE_NONE) === 0) res.choice = rowChoice(out, base);
    return res;
  });
  return { rows, processed: kept, bytesReadBack: out.copied };
}
