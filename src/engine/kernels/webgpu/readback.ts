/**
 * Decoding the words the kernels leave in `outw` (layout.ts; `w` = u32 view, `f` = f32 view of the
 * same words) into the results of the Kernels interface.
 */
import type { ChainPosition, Choice, RowStats, TopK, TreeExamined } from '../types.ts';
import { F, H } from './layout.ts';
import type { RowPlan } from './params.ts';

export interface OutWords {
  w: Uint32Array;
  f: Float32Array;
}

/** A top-k list stored as `count` ids then `count` values, log-probabilities (row blocks) or probabilities (verify residuals). */
function topList({ w, f }: OutWords, idsAt: number, valuesAt: number, count: number, stored: 'logprobs' | 'probs'): TopK {
  const ids: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < count; j++) {
    ids.push(w[idsAt + j]);
    values.push(f[valuesAt + j]);
  }
  return stored === 'logprobs' ? { ids, probs: values.map(Math.exp), logprobs: values } : { ids, probs: values, logprobs: values.map(Math.log) };
}

/** The statistics of the row block at word `base`. */
export function rowStats(out: OutWords, base: number, k: number, plan: RowPlan): RowStats {
  const { w, f } = out;
  const dyn = (plan.flags & F.DYNATEMP) !== 0;
  const rawTop = topList(out, base + H.SIZE, base + H.SIZE + k, Math.min(k, w[base + H.RAW_TOP_N]), 'logprobs');
  return {
    entropy: f[base + H.ENTROPY],
    varentropy: f[base + H.VARENTROPY],
    rawTop,
    // With no stage the processed distribution is the raw one (as on the CPU); its list is not read back.
    processedTop: plan.stages.length === 0 ? rawTop : topList(out, base + H.SIZE + 2 * k, base + H.SIZE + 3 * k, Math.min(k, w[base + H.PROC_TOP_N]), 'logprobs'),
    stages: plan.stages.map((name, k) => ({ name, kept: w[base + H.KEPT + k], removedMass: f[base + H.REMOVED + k] })),
    // The configured value exactly (as the CPU reports it) unless dynatemp computed one.
    temperature: dyn ? f[base + H.TEMPERATURE] : (plan.config.temperature ?? 1),
    degenerate: w[base + H.DEGENERATE] === 1,
  };
}

/** The token the sample kernel chose for the row block at `base`. */
export function rowChoice({ w, f }: OutWords, base: number): Choice {
  return {
    token: w[base + H.TOKEN],
    rawProb: f[base + H.RAW_PROB],
    rawLogprob: f[base + H.RAW_LOGPROB],
    rawRank: w[base + H.RAW_RANK],
    processedProb: f[base + H.PROC_PROB],
  };
}

/** Chain result block at `at` (verify.wgsl): header, K positions, residual top-k. */
export function chainOutcome(out: OutWords, at: number, draftTokens: number[], k: number, greedy: boolean, uniforms: number[] | undefined) {
  const { w, f } = out;
  const K = draftTokens.length;
  const accepted = w[at];
  const rejected = w[at + 2] === 0;
  const positions: ChainPosition[] = [];
  for (let i = 0; i < Math.min(K, accepted + 1); i++) {
    const o = at + 4 + 4 * i;
    positions.push({
      token: draftTokens[i],
      p: f[o],
      q: f[o + 1],
      u: greedy ? NaN : (uniforms?.[i] ?? f[o + 2]),
      accepted: w[o + 3] === 1,
    });
  }
  const topAt = at + 4 + 4 * K;
  const residualTop = rejected && !greedy ? topList(out, topAt, topAt + k, Math.min(k, w[at + 3]), 'probs') : undefined;
  return { accepted, nextToken: w[at + 1], nextKind: rejected ? ('residual' as const) : ('bonus' as const), positions, residualTop };
}

/** Tree result block at `at` (verify.wgsl): header, path, examined children, residual top-k. */
export function treeOutcome(out: OutWords, at: number, tokens: number[], k: number, greedy: boolean, uniforms: number[] | undefined) {
  const { w, f } = out;
  const N = tokens.length;
  const path: number[] = [];
  for (let d = 0; d < w[at]; d++) path.push(w[at + 4 + d]);
  const examined: TreeExamined[] = [];
  const nExamined = w[at + 3] & 0xffff;
  for (let e = 0; e < nExamined; e++) {
    const o = at + 4 + N + 5 * e;
    const node = w[o];
    examined.push({
      node,
      token: tokens[node],
      p: f[o + 1],
      q: greedy ? NaN : f[o + 2], // as the CPU kernels: greedy tests no q
      u: greedy ? NaN : (uniforms?.[node] ?? f[o + 3]),
      accepted: w[o + 4] === 1,
    });
  }
  const nTop = Math.min(k, w[at + 3] >>> 16);
  const topAt = at + 4 + N + 5 * N;
  const residualTop = nTop > 0 ? topList(out, topAt, topAt + k, nTop, 'probs') : undefined;
  return { path, nextToken: w[at + 1], nextKind: w[at + 2] === 0 ? ('residual' as const) : ('bonus' as const), examined, residualTop };
}
