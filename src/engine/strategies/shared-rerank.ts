/**
 * Helpers shared by the strategies that look ahead, branch or rerank (beam, AdaDec, CNTP,
 * entropix): one kernels call over a block of logits rows, describing a token the kernels did not
 * choose (a beam continuation, a reranked candidate, an inserted pause token), the context limit,
 * and the punctuation test CNTP trials stop at.
 */
import { MAX_TOP_K } from '../kernels/limits.ts';
import type { Choice, RowRequest, StepRowResult } from '../kernels/types.ts';
import type { ModelRunner } from '../model/runner.ts';
import { tokenEventFromStep } from '../trace/events.ts';
import type { TokenEvent, TokenSource } from '../trace/types.ts';
import type { StrategyContext } from './types.ts';

/** Logits of `rows` consecutive rows, row-major, as ModelRunner.forward returns them. */
export interface LogitsBlock {
  data: Float32Array;
  rows: number;
  vocab: number;
}

/** Runs the kernels over a block of logits (one request per row) and frees the handle. */
export async function stepBlock(ctx: StrategyContext, block: LogitsBlock, rows: RowRequest[], topK: number): Promise<StepRowResult[]> {
  if (rows.length !== block.rows) throw new RangeError(`stepBlock: ${rows.length} requests for ${block.rows} rows`);
  const logits = await ctx.kernels.createLogits(block.data, block.rows, block.vocab);
  try {
    const res = await ctx.kernels.step(logits, { rows, topK: Math.max(1, Math.min(MAX_TOP_K, topK)) });
    ctx.countReadBack(res.bytesReadBack);
    return res.rows;
  } finally {
    ctx.kernels.dispose(logits);
  }
}

/** One row of a block (a view, no copy). */
export function rowOf(block: LogitsBlock, row: number): Float32Array {
  return block.data.subarray(row * block.vocab, (row + 1) * block.vocab);
}

/** A block made of `n` copies of one logits row (N trials / branches forked from one position). */
export function repeatRow(row: Float32Array, n: number): LogitsBlock {
  const data = new Float32Array(row.length * n);
  for (let i = 0; i < n; i++) data.set(row, i * row.length);
  return { data, rows: n, vocab: row.length };
}

/**
 * Describes `token` at a step whose raw logits are `logits` (the kernels chose something else or
 * nothing): raw log-probability and rank from the logits (log-softmax in f64, NaN treated as -inf
 * as the kernels do), processed probability from the row's processedTop (0 when the token is not
 * in it: callers describe candidates taken from processedTop, or forced pause tokens).
 */
export function describeToken(stats: StepRowResult, logits: Float32Array, token: number): Choice {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (x > max) max = x;
  }
  const x0 = logits[token];
  let z = 0;
  let rank = 0;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (!(x > -Infinity)) continue;
    z += Math.exp(x - max);
    if (x > x0) rank++;
  }
  const rawLogprob = Number.isFinite(max) && x0 > -Infinity ? x0 - max - Math.log(z) : -Infinity;
  const k = stats.processedTop.ids.indexOf(token);
  return {
    token,
    rawProb: Math.exp(rawLogprob),
    rawLogprob,
    rawRank: rank,
    processedProb: k >= 0 ? stats.processedTop.probs[k] : 0,
  };
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
