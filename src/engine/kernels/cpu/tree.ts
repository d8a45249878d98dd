/**
 * Tree (multi-draft) speculative verification on the CPU: recursive rejection sampling over
 * siblings (SpecInfer / SpecTr for i.i.d. children, RSD for children drawn without replacement,
 * one-hot drafts for prompt lookup and Token Recycling). The contract, including RNG keys, is in
 * `../types.ts` above TreeVerifyRequest.
 *
 * Why it is lossless (all three modes): at a node with current target p, one sibling trial draws
 * x ~ q_j (independently of the uniform) and keeps it with probability min(1, p(x)/q_j(x)), so x
 * is emitted with probability min(p, q_j)(x); the trial fails with probability
 * sum max(0, p - q_j) and then the rest of the procedure starts from normalize(max(0, p - q_j)).
 * If the rest emits its own state's distribution (true when nothing is left: we sample it), the
 * trial emits min(p, q_j) + max(0, p - q_j) = p. Induction over the remaining siblings; the
 * number of siblings and their q_j may depend on everything drawn before them.
 */
import { purposeWord, uniform } from '../../rng.ts';
import type {
  Choice,
  CpuLogits,
  ProbsRef,
  RelaxedAcceptance,
  TopK,
  TreeExamined,
  TreeVerifyRequest,
  TreeVerifyResult,
} from '../types.ts';
import type { ProcessedRow } from './pipeline.ts';
import { describe, processedProbAt, processedProbs, processRow } from './pipeline.ts';
import { argmaxOf, gumbelArgmaxProbs } from './sample.ts';
import { acceptDraft, residual } from './speculative.ts';
import { topKOfProbs } from './stats.ts';

export type SiblingMode = 'iid' | 'without-replacement' | 'deterministic';

export interface TreeInput {
  parents: number[];
  tokens: number[];
  mode: SiblingMode;
  /** Processed target row of node j. */
  row(node: number): ProcessedRow;
  /** Draft distribution at node j (not called in 'deterministic' mode). */
  q(node: number): Float64Array;
  greedy: boolean;
  seed: number;
  step: number;
  sub: number;
  topK: number;
  relaxed?: RelaxedAcceptance;
  uniforms?: number[];
}

export interface TreeOutcome {
  path: number[];
  nextToken: number;
  nextKind: 'residual' | 'bonus';
  examined: TreeExamined[];
  residualTop?: TopK;
  /** Rows along the emitted path (root, accepted nodes). */
  rows: ProcessedRow[];
  choices: Choice[];
  /** Distribution the next token was drawn from. */
  nextDist: Float64Array;
  relaxedDrift?: number;
}

/** Checks the layout (node 0 = root) and returns each node's children in ascending id. */
export function childrenOf(parents: number[], tokens: number[], vocab: number): number[][] {
  const N = parents.length;
  if (N < 1 || tokens.length !== N) throw new RangeError('verifyTree: parents and tokens must have one entry per node (N >= 1)');
  if (parents[0] !== -1) throw new RangeError('verifyTree: node 0 must be the root (parents[0] = -1)');
  const ch: number[][] = Array.from({ length: N }, () => []);
  for (let j = 1; j < N; j++) {
    if (!Number.isInteger(parents[j]) || parents[j] < 0 || parents[j] >= j) throw new RangeError(`verifyTree: parents[${j}] must be in [0, ${j})`);
    if (!Number.isInteger(tokens[j]) || tokens[j] < 0 || tokens[j] >= vocab) throw new RangeError(`verifyTree: token of node ${j} out of range`);
    ch[parents[j]].push(j);
  }
  return ch;
}

/** p~(x) of relaxed acceptance: p(x) plus neighbour mass, nearest first, while the extra stays <= delta. */
export function relaxedMass(p: ArrayLike<number>, x: number, r: RelaxedAcceptance): number {
  let extra = 0;
  const n = Math.min(r.k - 1, r.width);
  for (let j = 0; j < n; j++) {
    const y = r.neighbors[x * r.width + j];
    if (y < 0 || y === x) continue;
    const m = p[y];
    if (extra + m > r.delta) break;
    extra += m;
  }
  return p[x] + extra;
}

function relaxedGreedyAccept(p: ArrayLike<number>, x: number, t: number, r: RelaxedAcceptance): boolean {
  const n = Math.min(r.k - 1, r.width);
  for (let j = 0; j < n; j++) if (r.neighbors[x * r.width + j] === t) return p[t] - p[x] <= r.delta;
  return false;
}

/**
 * TV distance between p and the distribution the relaxed rule emits for one draft x ~ q:
 * emit(y) = q(y) a(y) + (1 - sum_x q(x) a(x)) r(y), a = min(1, p~/q), r = normalize(max(0, p - q)).
 */
export function relaxedDriftOf(p: Float64Array, q: ArrayLike<number>, r: RelaxedAcceptance): number {
  const V = p.length;
  const emit = new Float64Array(V);
  let acc = 0;
  for (let y = 0; y < V; y++) {
    if (!(q[y] > 0)) continue;
    const a = Math.min(1, relaxedMass(p, y, r) / q[y]);
    emit[y] = q[y] * a;
    acc += emit[y];
  }
  const res = residual(p, q);
  const rest = Math.max(0, 1 - acc);
  let tv = 0;
  for (let y = 0; y < V; y++) tv += Math.abs(emit[y] + rest * (res ? res[y] : p[y]) - p[y]);
  return tv / 2;
}

function oneHot(V: number, x: number): Float64Array {
  const v = new Float64Array(V);
  v[x] = 1;
  return v;
}

/** The sibling walk itself (pure given rows, draft distributions and the RNG key). */
export function walkTree(inp: TreeInput): TreeOutcome {
  const first = inp.row(0);
  const V = first.st.vocab;
  const children = childrenOf(inp.parents, inp.tokens, V);
  const accPurpose = purposeWord('accept', inp.sub);
  const examined: TreeExamined[] = [];
  const path: number[] = [];
  const rows: ProcessedRow[] = [];
  const choices: Choice[] = [];
  let node = 0;
  let relaxedDrift: number | undefined;
  for (;;) {
    const row = node === 0 ? first : inp.row(node);
    rows.push(row);
    const p0 = processedProbs(row);
    const kids = children[node];
    if (inp.relaxed && node === 0 && !inp.greedy) {
      const qRoot = kids.length === 0 ? null : inp.mode === 'deterministic' ? oneHot(V, inp.tokens[kids[0]]) : inp.q(0);
      relaxedDrift = qRoot ? relaxedDriftOf(p0, qRoot, inp.relaxed) : 0;
    }
    let chosen = -1;
    if (inp.greedy) {
      const t = argmaxOf(p0);
      for (const c of kids) {
        const x = inp.tokens[c];
        const exact = x === t;
        const relaxed = !exact && inp.relaxed !== undefined && relaxedGreedyAccept(p0, x, t, inp.relaxed);
        const ok = exact || relaxed;
        examined.push({ node: c, token: x, p: p0[x], q: NaN, u: NaN, accepted: ok, ...(relaxed ? { relaxed: true } : {}) });
        if (ok) {
          chosen = c;
          break;
        }
      }
      if (chosen < 0) {
        choices.push(describe(row, t));
        return { path, nextToken: t, nextKind: kids.length ? 'residual' : 'bonus', examined, rows, choices, nextDist: p0, relaxedDrift };
      }
    } else {
      let p = p0;
      let qc: Float64Array | null = kids.length === 0 || inp.mode === 'deterministic' ? null : inp.q(node);
      for (const c of kids) {
        const x = inp.tokens[c];
        const qj = inp.mode === 'deterministic' ? oneHot(V, x) : qc!;
        const u = inp.uniforms?.[c] ?? uniform(inp.seed, inp.step, accPurpose, c);
        const pTest = inp.relaxed ? relaxedMass(p, x, inp.relaxed) : p[x];
        const ok = acceptDraft(pTest, qj[x], u);
        const relaxed = ok && inp.relaxed !== undefined && !acceptDraft(p[x], qj[x], u);
        examined.push({ node: c, token: x, p: p[x], q: qj[x], u, accepted: ok, ...(relaxed ? { relaxed: true } : {}) });
        if (ok) {
          chosen = c;
          break;
        }
        p = residual(p, qj) ?? p;
        if (inp.mode === 'without-replacement') {
          let sq = 0;
          for (let i = 0; i < V; i++) if (i !== x) sq += qj[i];
          const nq = new Float64Array(V);
          if (sq > 0) for (let i = 0; i < V; i++) if (i !== x) nq[i] = qj[i] / sq;
          qc = nq;
        }
      }
      if (chosen < 0) {
        const kind = kids.length ? 'residual' : 'bonus';
        const next = gumbelArgmaxProbs(p, inp.seed, inp.step, purposeWord(kind, inp.sub));
        choices.push(describe(row, next));
        return {
          path,
          nextToken: next,
          nextKind: kind,
          examined,
          rows,
          choices,
          nextDist: p,
          residualTop: kids.length ? topKOfProbs(p, inp.topK) : undefined,
          relaxedDrift,
        };
      }
    }
    choices.push(describe(row, inp.tokens[chosen]));
    path.push(chosen);
    node = chosen;
  }
}

/** The CPU kernels' verifyTree: validates the request, runs the walk, fills the result. */
export function verifyTreeCpu(
  req: TreeVerifyRequest,
  target: CpuLogits,
  topK: number,
  probsOf: (ref: ProbsRef) => Float64Array,
): { result: TreeVerifyResult; nextDist: Float64Array } {
  const N = req.parents.length;
  const V = target.vocab;
  childrenOf(req.parents, req.tokens, V);
  if (target.rows !== N) throw new RangeError(`verifyTree: need ${N} target rows (one per node), got ${target.rows}`);
  if (req.q.length !== N && !req.deterministic) throw new RangeError(`verifyTree: q needs one entry per node (${N})`);
  if (req.relaxed && (req.relaxed.neighbors.length < V * req.relaxed.width || !(req.relaxed.k >= 1))) {
    throw new RangeError('verifyTree: relaxed.neighbors must be [vocab x width] and k >= 1');
  }
  const greedy = req.greedy === true || req.config.temperature === 0;
  const base = Array.from(req.contextIds ?? []);
  const pathTokens = (j: number): number[] => {
    const out: number[] = [];
    for (let u = j; u > 0; u = req.parents[u]) out.push(req.tokens[u]);
    return out.reverse();
  };
  const rowCache = new Map<number, ProcessedRow>();
  const row = (j: number): ProcessedRow => {
    let r = rowCache.get(j);
    if (!r) {
      const ctx = base.concat(pathTokens(j));
      r = processRow(target.data, j * V, V, req.config, ctx, topK);
      rowCache.set(j, r);
    }
    return r;
  };
  const qCache = new Map<number, Float64Array>();
  const q = (j: number): Float64Array => {
    let v = qCache.get(j);
    if (!v) {
      const ref = req.q[j];
      if (!ref) throw new RangeError(`verifyTree: node ${j} has children but no draft distribution`);
      v = probsOf(ref);
      if (v.length !== V) throw new RangeError('draft distribution vocab differs from target vocab');
      qCache.set(j, v);
    }
    return v;
  };
  const out = walkTree({
    parents: req.parents,
    tokens: req.tokens,
    mode: req.deterministic ? 'deterministic' : req.withoutReplacement ? 'without-replacement' : 'iid',
    row,
    q,
    greedy,
    seed: req.seed,
    step: req.step,
    sub: req.sub ?? 0,
    topK,
    relaxed: req.relaxed,
    uniforms: req.uniforms,
  });
  // Rows the walk never reached are processed only for the probabilities the tree view shows: lean.
  const leanRows = new Map<number, ProcessedRow>();
  const pRow = (j: number): ProcessedRow => {
    let r = rowCache.get(j) ?? leanRows.get(j);
    if (!r) {
      r = processRow(target.data, j * V, V, req.config, base.concat(pathTokens(j)), 1, { lean: true });
      leanRows.set(j, r);
    }
    return r;
  };
  const nodeP = req.tokens.map((x, j) => (j === 0 ? NaN : processedProbAt(pRow(req.parents[j]), x)));
  return {
    result: {
      path: out.path,
      tokens: out.path.map((j) => req.tokens[j]),
      nextToken: out.nextToken,
      nextKind: out.nextKind,
      examined: out.examined,
      targetStats: out.rows.map((r) => r.stats),
      bytesReadBack: 0,
      choices: out.choices,
      nodeP,
      residualTop: out.residualTop,
      relaxedDrift: out.relaxedDrift,
    },
    nextDist: out.nextDist,
  };
}

