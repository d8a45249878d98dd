import type { StageStat } from '../types.ts';
import type { Processor } from './processors/index.ts';
import type { Normalizer, RowState } from './row.ts';
import { scratch, type TopHeap } from './select.ts';
import { removedMassOf } from './chain.ts';
import { exp } from './exp.ts';
import { fromMoments } from './stats.ts';

/**
 * The usual sampling chain's first two stages, a fixed temperature T then a top-k, in the passes
 * the row makes anyway. Stage by stage they cost two passes over the vocabulary beyond the load
 * and the raw statistics (rescale with an exp per token; the k-th largest score, then the cut),
 * about as much as everything else in a sampled step. Fused:
 *
 * - the k best raw scores ride along the load pass (the heap that keeps the raw top list);
 * - temperature is monotone, so the k-th largest tempered score is the tempered k-th largest raw
 *   score t; the tempered normalizer (the waterfall's reference for top-k's removed mass) and the
 *   number of tokens at or above t ride along the raw statistics pass;
 * - when exactly k tokens reach t (no tie at the cut, none made by rounding), the survivors are
 *   the heap's: the row is cleared with one fill and only they are rescaled.
 *
 * Every figure is computed with the same operations in the same order as the stages do (same
 * terms, ascending ids), so the row, the normalizers and the stage records are bit for bit the
 * stage-by-stage ones (tempered-top-k.test.ts). Rows the shortcut does not cover exactly (a tie at
 * the cut, scores so far apart that rescaling overflows, fewer than k candidates) return undefined
 * from `rawStatsTempered`, and the caller runs the stages as usual.
 */
export interface TemperedTopK {
  T: number;
  inv: number;
  k: number;
}

/** The plan when the chain starts with a fixed temperature then a top-k whose cut fits the heap. */
export function temperedTopKPlan(chain: readonly Processor[], traceK: number, vocab: number): TemperedTopK | undefined {
  const T = chain[0]?.fixedTemperature;
  const k = chain[1]?.topK;
  if (T === undefined || k === undefined) return undefined;
  const inv = 1 / T;
  // A denormal T divides instead (temperature.ts); a k the heap keeps poorly goes to quickselect.
  if (!(inv < Infinity) || k < traceK || k * 16 > vocab) return undefined;
  return { T, inv, k };
}

export interface RawStatsTempered {
  norm: Normalizer;
  entropy: number;
  varentropy: number;
  /** The tempered row's normalizer: max 0, z = sum of exp((s - max) / T). */
  tempered: Normalizer;
}

/**
 * `rowStats` (stats.ts) and the tempered normalizer in one pass, or undefined when the top-k cut
 * is not exactly the heap's k (see above). `top` holds the k best raw scores.
 */
export function rawStatsTempered(st: RowState, max: number, plan: TemperedTopK, top: TopHeap): RawStatsTempered | undefined {
  if (top.size !== plan.k || st.n !== st.vocab) return undefined;
  const { s, n } = st;
  const inv = plan.inv;
  const cut = (top.floor - max) * inv;
  let z = 0;
  let ed = 0;
  let edd = 0;
  let zt = 0;
  let reach = 0;
  let overflow = false;
  for (let i = 0; i < n; i++) {
    const d = s[i] - max;
    const e = exp(d);
    z += e;
    const x = e * d;
    ed += x;
    edd += x * d;
    const v = d * inv;
    zt += exp(v);
    if (v >= cut) reach++;
    else if (v === -Infinity) overflow = true;
  }
  // NaN: scores ~1.8e308 apart (rowStats redoes those terms); overflow: temperature would drop
  // tokens before top-k sees them.
  if (reach !== plan.k || overflow || Number.isNaN(edd) || !(cut > -Infinity)) return undefined;
  return { ...fromMoments(max, z, ed, edd), tempered: { max: 0, z: zt } };
}

/**
 * Leaves the row as temperature then top-k would: only the heap's tokens, rescaled, with their exp
 * terms; records both stages as the chain does and returns the normalizer after top-k.
 */
export function cutToTempered(st: RowState, max: number, plan: TemperedTopK, ids: readonly number[], tempered: Normalizer, stages: StageStat[]): Normalizer {
  const { s, idx, exps } = st;
  // The survivors in ascending id order, as candidates are kept; their raw scores before the fill.
  const kept = idx.subarray(0, ids.length);
  kept.set(ids);
  kept.sort();
  const raw = scratch(0, kept.length);
  for (let j = 0; j < kept.length; j++) raw[j] = s[kept[j]];
  const before = st.n;
  s.fill(-Infinity);
  let z = 0;
  for (let j = 0; j < kept.length; j++) {
    const id = kept[j];
    const v = (raw[j] - max) * plan.inv;
    s[id] = v;
    const e = exp(v);
    if (exps) exps[id] = e;
    z += e;
  }
  st.n = kept.length;
  st.expMax = exps ? 0 : undefined;
  stages.push({ name: 'temperature', kept: before, removedMass: 0 }, { name: 'top_k', kept: st.n, removedMass: removedMassOf(z, tempered) });
  return { max: 0, z };
}
