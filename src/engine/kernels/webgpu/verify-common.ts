/**
 * What chain and tree verification share on WebGPU: the draft rows they read, and one command
 * buffer that processes the target rows (stats -> process) and runs the verify kernel on them.
 */
import type { KernelBuffers } from './bind-groups.ts';
import type { BoundLogits, GpuContext } from './context.ts';

/** A draft distribution row (GpuContext.probsRow). */
export interface DraftRow {
  buffer: GPUBuffer;
  row: number;
}

/**
 * Encodes: copy the draft rows into the packed [rows, V] draft buffer (row i = drafts[i]; gaps
 * stay unread), stats + process over the `rows` target rows, then one workgroup of `kernel`.
 */
export function encodeVerify(
  ctx: GpuContext,
  kernel: 'verify' | 'verifyTree',
  label: string,
  target: BoundLogits,
  rows: number,
  vocab: number,
  buffers: KernelBuffers,
  drafts: (DraftRow | undefined)[],
): GPUCommandEncoder {
  const enc = ctx.device.createCommandEncoder({ label });
  const draftQ = ctx.pool.draftQ.get(Math.max(1, drafts.length) * vocab * 4);
  drafts.forEach((q, i) => {
    if (q) enc.copyBufferToBuffer(q.buffer, q.row * vocab * 4, draftQ, i * vocab * 4, vocab * 4);
  });
  const pass = enc.beginComputePass({ label });
  ctx.dispatchRows(pass, ['stats', 'process'], target.variant, rows, buffers);
  ctx.dispatch(pass, kernel, target.variant, 1, { ...buffers, draftQ });
  pass.end();
  return enc;
}
