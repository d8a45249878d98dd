/**
 * Helpers shared by the strategies that look ahead, branch or rerank (beam, AdaDec, CNTP,
 * entropix): kernels calls over the logits the runner's `forwardLogits` returns (on WebGPU they
 * stay on the GPU; only top-k lists and scalars come back, counted in the trace), calls that use
 * some rows several times (trials and branches forked from one position, 'force' rows describing
 * the tokens beams chose), the context limit, and the punctuation test CNTP trials stop at.
 */
import { MAX_TOP_K } from '../kernels/limits.ts';
import type { Choice, GpuLogits, Logits, RowRequest, StepRowResult } from '../kernels/types.ts';
import { ortWebGpuDevice, type ModelRunner } from '../model/runner.ts';
import { tokenEventFromStep } from '../trace/events.ts';
import type { TokenEvent, TokenSource } from '../trace/types.ts';
import type { StrategyContext } from './types.ts';

/** Runs the kernels over every row of `logits` (one request per row) and counts the readback. */
export async function stepLogits(ctx: StrategyContext, logits: Logits, rows: RowRequest[], topK: number): Promise<StepRowResult[]> {
  if (rows.length !== logits.rows) throw new RangeError(`stepLogits: ${rows.length} requests for ${logits.rows} rows`);
  const res = await ctx.kernels.step(logits, { rows, topK: Math.max(1, Math.min(MAX_TOP_K, topK)) });
  ctx.countReadBack(res.bytesReadBack);
  return res.rows;
}

/** A kernels request on one logits row. */
export interface RowPick {
  row: number;
  request: RowRequest;
}

/**
 * Runs request i on logits row `picks[i].row`, rows repeated or skipped at will, in one kernels
 * call: a view when the rows are a contiguous run, else a copy made where the logits are (on the
 * GPU, a device-side copy: nothing is read back for it).
 */
export async function stepOnRows(ctx: StrategyContext, logits: Logits, picks: RowPick[], topK: number): Promise<StepRowResult[]> {
  if (picks.length === 0) return [];
  const rows = picks.map((p) => p.row);
  for (const r of rows) if (!Number.isInteger(r) || r < 0 || r >= logits.rows) throw new RangeError(`stepOnRows: row ${r} of ${logits.rows}`);
  const requests = picks.map((p) => p.request);
  const run = contiguous(rows);
  if (run) return stepLogits(ctx, logitsRows(logits, run.start, rows.length), requests, topK);
  if (logits.kind === 'cpu') {
    const V = logits.vocab;
    const data = logits.data instanceof Float64Array ? new Float64Array(rows.length * V) : new Float32Array(rows.length * V);
    rows.forEach((r, i) => data.set(logits.data.subarray(r * V, (r + 1) * V), i * V));
    return stepLogits(ctx, { kind: 'cpu', rows: rows.length, vocab: V, data }, requests, topK);
  }
  const gathered = gatherGpuRows(logits, rows);
  if (!gathered) {
    // Rows whose bytes cannot be copied (f16 with an odd vocabulary): one call per row view.
    const out: StepRowResult[] = [];
    for (const p of picks) out.push(...(await stepLogits(ctx, logitsRows(logits, p.row, 1), [p.request], topK)));
    return out;
  }
  try {
    return await stepLogits(ctx, gathered, requests, topK);
  } finally {
    gathered.buffer.destroy();
  }
}

/** `count` consecutive rows of `logits` from `start`, without a copy. */
export function logitsRows(logits: Logits, start: number, count: number): Logits {
  if (start === 0 && count === logits.rows) return logits;
  const V = logits.vocab;
  if (logits.kind === 'cpu') return { kind: 'cpu', rows: count, vocab: V, data: logits.data.subarray(start * V, (start + count) * V) };
  const rowBytes = V * (logits.dtype === 'float16' ? 2 : 4);
  return { ...logits, rows: count, byteOffset: (logits.byteOffset ?? 0) + start * rowBytes };
}

function contiguous(rows: number[]): { start: number } | null {
  for (let i = 1; i < rows.length; i++) if (rows[i] !== rows[0] + i) return null;
  return { start: rows[0] };
}

/** GPU rows copied into a new buffer on ORT's device (the one the WebGPU kernels share), or null when not copyable. */
function gatherGpuRows(logits: GpuLogits, rows: number[]): GpuLogits | null {
  const device = ortWebGpuDevice();
  const rowBytes = logits.vocab * (logits.dtype === 'float16' ? 2 : 4);
  const offset = logits.byteOffset ?? 0;
  if (!device || rowBytes % 4 !== 0 || offset % 4 !== 0) return null;
  const buffer = device.createBuffer({ label: 'gathered-logits', size: Math.max(16, Math.ceil((rows.length * rowBytes) / 16) * 16), usage: 0x80 /* STORAGE */ | 0x08 /* COPY_DST */ });
  const enc = device.createCommandEncoder({ label: 'gather-logits' });
  rows.forEach((r, i) => enc.copyBufferToBuffer(logits.buffer, offset + r * rowBytes, buffer, i * rowBytes, rowBytes));
  device.queue.submit([enc.finish()]);
  return { kind: 'gpu', rows: rows.length, vocab: logits.vocab, buffer, dtype: logits.dtype };
}

/** A 'force' request: describes `token` on its row as if it had been chosen (raw and processed probability, rank). */
export function forceRow(request: RowRequest, token: number): RowRequest {
  return { ...request, choose: 'force', forceToken: token };
}

/** The token event for `choice` at a step (the kernels' own choice, or a described one). */
export function tokenEvent(
  target: ModelRunner,
  stats: StepRowResult,
  choice: Choice,
  at: { index: number; position: number; source: TokenSource },
): TokenEvent {
  return tokenEventFromStep({ ...stats, choice }, { ...at, step: at.position }, (id) => target.tokenText(id));
}

/** Text of a token list ('' for none: the tokenizer rejects an empty list). */
export function decodeIds(target: ModelRunner, ids: number[]): string {
  return ids.length ? target.decode(ids) : '';
}

/**
 * How many more tokens a sequence of `length` tokens whose next-token logits are known can still
 * produce: the k-th of them needs `length + k - 1` positions (the last token is never fed back).
 */
export function contextRoom(target: ModelRunner, length: number): number {
  return Math.max(0, target.info.maxPositions - length + 1);
}

/** The error a strategy throws when it stops at the model's context limit (the driver ends the run with it). */
export function contextFullError(target: ModelRunner): RangeError {
  return new RangeError(`context full: the model has ${target.info.maxPositions} positions`);
}

/** Characters that end a CNTP trial (DESIGN section 3): . , ; : ! ? newline. */
const PUNCTUATION = /[.,;:!?\n]/;

/** Does this token's text contain punctuation (decided by text, so it works for any tokenizer)? */
export function isPunctuationToken(target: ModelRunner, id: number): boolean {
  return PUNCTUATION.test(target.tokenText(id));
}
