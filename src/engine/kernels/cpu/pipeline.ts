import { purposeWord } from '../../rng.ts';
import type { Choice, ProcessorConfig, RowStats, StageStat } from '../types.ts';
import { runChain } from './chain.ts';
import { buildChain } from './processors/index.ts';
import type { RowContext } from './processors/index.ts';
import type { Normalizer, RowState } from './row.ts';
import { argmaxCandidate, RowBuffers } from './row.ts';
import { gumbelArgmax } from './sample.ts';
import type { RawRow } from './sanitize.ts';
import { loadRow } from './sanitize.ts';
import { rankOf, rowStats, topKOf, topListOf } from './stats.ts';
import { exp } from './exp.ts';
import { cutToTempered, rawStatsTempered, temperedTopKPlan } from './tempered-top-k.ts';

/** One row after the full pipeline: raw scores kept for rank/prob lookups, processed state for choosing. */
export interface ProcessedRow {
  raw: RawRow;
  rawNorm: Normalizer;
  st: RowState;
  norm: Normalizer;
  stats: RowStats;
}

/**
 * Sanitize -> raw statistics -> processor chain -> processed top-k, for one row. Over the whole
 * vocabulary this costs one load pass (copy, sanitize, max, raw top-k), one exp pass (normalizer,
 * entropy, varentropy), and whatever the chain's stages cost before a truncation shrinks the
 * candidates (a temperature is one exp pass, a top-k one comparison pass). A chain that starts with
 * a fixed temperature then a top-k runs both inside the first two passes (tempered-top-k.ts).
 *
 * With `buffers`, the row's arrays are reused: the result's `st` is valid until the next call with
 * the same buffers (rows kept alive, as in tree verification, need their own).
 */
export function processRow(
  data: ArrayLike<number>,
  offset: number,
  vocab: number,
  config: ProcessorConfig,
  contextIds: ArrayLike<number> | undefined,
  topK: number,
  {
    rng,
    state,
    buffers = new RowBuffers(),
    lean = false,
  }: { rng?: RowContext['rng']; state?: RowContext['state']; buffers?: RowBuffers; lean?: boolean } = {},
): ProcessedRow {
  const chain = buildChain(config); // validates before any work
  const { s, idx, exps, top } = buffers.forVocab(vocab);
  // A lean row whose first stage reads only the max skips the raw distribution's pass.
  const skipRaw = lean && chain.length > 0 && chain[0].readsZ === false;
  const fused = skipRaw ? undefined : temperedTopKPlan(chain, topK, vocab);
  const { row: st, degenerate, max, raw } = loadRow(data, offset, vocab, s, idx, top.reset(skipRaw ? 0 : (fused?.k ?? topK)));
  st.exps = exps;
  const tempered = fused && rawStatsTempered(st, max, fused, top);
  const { norm: rawNorm, entropy, varentropy } = skipRaw ? { norm: { max, z: NaN }, entropy: NaN, varentropy: NaN } : (tempered ?? rowStats(st, max));
  const heapIds = top.sorted();
  const rawTop = topListOf(fused ? heapIds.slice(0, topK) : heapIds, st, rawNorm);
  const ctx: RowContext = { contextIds, rng, state, temperature: config.temperature ?? 1 };
  const stages: StageStat[] = [];
  let norm: Normalizer;
  if (fused && tempered) {
    ctx.temperature = fused.T;
    norm = runChain(st, chain.slice(2), ctx, stages, cutToTempered(st, max, fused, heapIds, tempered.tempered, stages));
  } else norm = runChain(st, chain, ctx, stages, rawNorm);
  // With no active stage the processed distribution is the raw one.
  const processedTop = chain.length === 0 ? rawTop : topKOf(st, norm, topK);
  return {
    raw,
    rawNorm,
    st,
    norm,
    stats: { entropy, varentropy, rawTop, processedTop, stages, temperature: ctx.temperature, degenerate },
  };
}

/** Picks a token (greedy or Gumbel-max with purpose 'sample') and describes it on both distributions. */
export function chooseToken(
  row: ProcessedRow,
  mode: 'sample' | 'greedy',
  seed: number,
  step: number,
  sub: number,
): Choice {
  // The processed top list is sorted by score, lowest id on ties: its head is the argmax, without
  // another pass over the candidates.
  const argmax = row.stats.processedTop.ids[0] ?? argmaxCandidate(row.st);
  const token = mode === 'greedy' ? argmax : gumbelArgmax(row.st, row.norm, seed, step, purposeWord('sample', sub), argmax);
  return describe(row, token);
}

export function describe(row: ProcessedRow, token: number): Choice {
  const rawLogprob = row.raw.score(token) - row.rawNorm.max - Math.log(row.rawNorm.z);
  return {
    token,
    rawProb: exp(rawLogprob),
    rawLogprob,
    // A lean row has no raw normalizer (NaN): no rank either, rather than a pass over the row for it.
    rawRank: Number.isNaN(row.rawNorm.z) ? NaN : rankOf(row.raw, row.stats.rawTop, token),
    processedProb: processedProbAt(row, token),
  };
}

/** The processed probability of one token (0 when a stage removed it). */
export function processedProbAt(row: ProcessedRow, x: number): number {
  const s = row.st.s[x];
  return s === -Infinity ? 0 : exp(s - row.norm.max) / row.norm.z;
}

/** The processed distribution as a dense probability vector. */
export function processedProbs(row: ProcessedRow): Float64Array {
  const { st, norm } = row;
  const out = new Float64Array(st.vocab);
  // The terms a stage already computed when they are relative to the same max (bit-identical).
  const e = st.expMax === norm.max ? st.exps : undefined;
  for (let j = 0; j < st.n; j++) {
    const i = st.idx[j];
    out[i] = (e ? e[i] : exp(st.s[i] - norm.max)) / norm.z;
  }
  return out;
}
