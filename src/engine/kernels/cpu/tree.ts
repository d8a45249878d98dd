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
  ProcessorConfig,
  RelaxedAcceptance,
  SiblingMode,
  TopK,
  TreeTest,
  TreeVerifyRequest,
  TreeVerifyResult,
} from '../types.ts';
import type { ProcessedRow } from './pipeline.ts';
import { describe, processedProbs, processRow } from './pipeline.ts';
import { argmaxOf, gumbelArgmaxProbs } from './sample.ts';
import { acceptDraft, residual } from './speculative.ts';
import { topKOfProbs } from './stats.ts';

export interface TreeInput {
  parents: number[];
  tokens: number[];
  mode: SiblingMode;
  /** Slot s (0 = root, i + 1 = node i): the processed target row, or null if unavailable. */
  row(slot: number): ProcessedRow | null;
  /** Slot s: the draft distribution there (not called in 'deterministic' mode). */
  q(slot: number): Float64Array;
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
  tests: TreeTest[];
  residualTop?: TopK;
  /** Rows along the emitted path (root, accepted nodes). */
  rows: ProcessedRow[];
  choices: Choice[];
  /** Distribution the next token was drawn from. */
  nextDist: Float64Array;
  relaxedDrift?: number;
}

/** Children of each slot, in node order. */
export function childrenOf(parents: number[]): number[][] {
  const ch: number[][] = Array.from({ length: parents.length + 1 }, () => []);
  parents.forEach((par, i) => {
    if (!Number.isInteger(par) || par < -1 || par >= i) throw new RangeError(`tree: node ${i} has parent ${par} (parents must precede children)`);
    ch[par + 1].push(i);
  });
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
  for (let y = 0; y < V; y++) {
    const e = emit[y] + (res ? rest * res[y] : rest * p[y]);
    tv += Math.abs(e - p[y]);
  }
  return tv / 2;
}

function oneHot(V: number, x: number): Float64Array {
  const v = new Float64Array(V);
  v[x] = 1;
  return v;
}

/** The sibling walk itself (pure given rows, draft distributions and the RNG key). */
export function walkTree(inp: TreeInput): TreeOutcome {
  const N = inp.tokens.length;
  if (inp.parents.length !== N) throw new RangeError('tree: parents and tokens differ in length');
  const children = childrenOf(inp.parents);
  const accPurpose = purposeWord('accept', inp.sub);
  const tests: TreeTest[] = [];
  const path: number[] = [];
  const rows: ProcessedRow[] = [];
  const choices: Choice[] = [];
  let slot = 0;
  let relaxedDrift: number | undefined;
  for (;;) {
    const row = inp.row(slot);
    if (!row) throw new RangeError(`tree: no target row for slot ${slot} on the accepted path`);
    rows.push(row);
    const p0 = processedProbs(row);
    const V = p0.length;
    const kids = children[slot];
    if (inp.relaxed && slot === 0 && !inp.greedy && relaxedDrift === undefined) {
      const qRoot = inp.mode === 'deterministic' ? (kids.length ? oneHot(V, inp.tokens[kids[0]]) : null) : kids.length ? inp.q(0) : null;
      relaxedDrift = qRoot ? relaxedDriftOf(p0, qRoot, inp.relaxed) : 0;
    }
    if (inp.greedy) {
      const t = argmaxOf(p0);
      let chosen = -1;
      for (const c of kids) {
        const x = inp.tokens[c];
        const exact = x === t;
        const relaxed = !exact && inp.relaxed !== undefined && relaxedGreedyAccept(p0, x, t, inp.relaxed);
        const ok = exact || relaxed;
        tests.push({ node: c, token: x, p: p0[x], q: NaN, pTest: p0[x], u: NaN, accepted: ok, ...(relaxed ? { relaxed: true } : {}) });
        if (ok) {
          chosen = c;
          break;
        }
      }
      if (chosen >= 0) {
        choices.push(describe(row, inp.tokens[chosen]));
        path.push(chosen);
        slot = chosen + 1;
        continue;
      }
      choices.push(describe(row, t));
      return { path, nextToken: t, nextKind: kids.length ? 'residual' : 'bonus', tests, rows, choices, nextDist: p0, relaxedDrift };
    }
    let p = p0;
    let chosen = -1;
    // Without replacement: the draft mass already used by earlier siblings.
    let usedMass = 0;
    const used = new Set<number>();
    const qBase = inp.mode === 'deterministic' || kids.length === 0 ? null : inp.q(slot);
    for (const c of kids) {
      const x = inp.tokens[c];
      let qj: Float64Array;
      if (inp.mode === 'deterministic') qj = oneHot(V, x);
      else if (inp.mode === 'iid') qj = qBase!;
      else {
        const left = 1 - usedMass;
        qj = new Float64Array(V);
        if (left > 0) for (let y = 0; y < V; y++) if (!used.has(y)) qj[y] = qBase![y] / left;
      }
      const u = inp.uniforms?.[c] ?? uniform(inp.seed, inp.step, accPurpose, c);
      const pTest = inp.relaxed ? relaxedMass(p, x, inp.relaxed) : p[x];
      const ok = acceptDraft(pTest, qj[x], u);
      const relaxed = ok && inp.relaxed !== undefined && !acceptDraft(p[x], qj[x], u);
      tests.push({ node: c, token: x, p: p0[x], q: qj[x], pTest, u, accepted: ok, ...(relaxed ? { relaxed: true } : {}) });
      if (ok) {
        chosen = c;
        break;
      }
      p = residual(p, qj) ?? p;
      if (inp.mode === 'without-replacement' && !used.has(x)) {
        used.add(x);
        usedMass += qBase![x];
      }
    }
    if (chosen >= 0) {
      choices.push(describe(row, inp.tokens[chosen]));
      path.push(chosen);
      slot = chosen + 1;
      continue;
    }
    const kind = kids.length ? 'residual' : 'bonus';
    const next = gumbelArgmaxProbs(p, inp.seed, inp.step, purposeWord(kind, inp.sub));
    choices.push(describe(row, next));
    return {
      path,
      nextToken: next,
      nextKind: kind,
      tests,
      rows,
      choices,
      nextDist: p,
      residualTop: kids.length ? topKOfProbs(p, inp.topK) : undefined,
      relaxedDrift,
    };
  }
}

/** Processes target rows lazily (each slot once), with the repetition-penalty context of its path. */
export function treeRows(
  data: ArrayLike<number>,
  vocab: number,
  rowsInLogits: number,
  targetRow: number[],
  parents: number[],
  tokens: number[],
  config: ProcessorConfig,
  contextIds: ArrayLike<number> | undefined,
  topK: number,
): (slot: number) => ProcessedRow | null {
  const cache = new Map<number, ProcessedRow | null>();
  const base = Array.from(contextIds ?? []);
  const pathTokens = (slot: number): number[] => {
    const out: number[] = [];
    for (let n = slot - 1; n >= 0; n = parents[n]) out.push(tokens[n]);
    return out.reverse();
  };
  return (slot) => {
    if (cache.has(slot)) return cache.get(slot)!;
    const r = targetRow[slot];
    let row: ProcessedRow | null = null;
    if (r !== undefined && r >= 0) {
      if (r >= rowsInLogits) throw new RangeError(`tree: target row ${r} out of range (${rowsInLogits} rows)`);
      const ctx = config.repetition_penalty !== undefined && config.repetition_penalty !== 1 ? base.concat(pathTokens(slot)) : undefined;
      row = processRow(data, r * vocab, vocab, config, ctx, topK);
    }
    cache.set(slot, row);
    return row;
  };
}

/** The CPU kernels' verifyTree: validates the request, runs the walk, fills the result. */
export function verifyTreeCpu(
  req: TreeVerifyRequest,
  target: CpuLogits,
  topK: number,
  probsOf: (ref: ProbsRef) => Float64Array,
): { result: TreeVerifyResult; nextDist: Float64Array } {
  const N = req.tokens.length;
  const V = target.vocab;
  if (req.parents.length !== N || req.targetRow.length !== N + 1) {
    throw new RangeError(`verifyTree: need ${N} parents and ${N + 1} targetRow slots`);
  }
  for (const x of req.tokens) if (!Number.isInteger(x) || x < 0 || x >= V) throw new RangeError(`draft token ${x} out of range`);
  if (req.relaxed && (req.relaxed.neighbors.length < V * req.relaxed.width || req.relaxed.k < 1)) {
    throw new RangeError('verifyTree: relaxed.neighbors must be [vocab x width] and k >= 1');
  }
  const greedy = req.greedy === true || req.config.temperature === 0;
  const row = treeRows(target.data, V, target.rows, req.targetRow, req.parents, req.tokens, req.config, req.contextIds, topK);
  const qCache = new Map<number, Float64Array>();
  const q = (slot: number): Float64Array => {
    let v = qCache.get(slot);
    if (!v) {
      const ref = req.q?.[slot];
      if (!ref) throw new RangeError(`verifyTree: no draft distribution for slot ${slot} (mode ${req.mode})`);
      v = probsOf(ref);
      if (v.length !== V) throw new RangeError('draft distribution vocab differs from target vocab');
      qCache.set(slot, v);
    }
    return v;
  };
  const out = walkTree({
    parents: req.parents,
    tokens: req.tokens,
    mode: req.mode,
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
  const nodeP = req.tokens.map((x, i) => {
    const r = row(req.parents[i] + 1);
    return r ? processedProbAt(r, x) : NaN;
  });
  return {
    result: {
      path: out.path,
      accepted: out.path.length,
      nextToken: out.nextToken,
      nextKind: out.nextKind,
      tests: out.tests,
      nodeP,
      residualTop: out.residualTop,
      targetStats: out.rows.map((r) => r.stats),
      choices: out.choices,
      relaxedDrift: out.relaxedDrift,
      bytesReadBack: 0,
    },
    nextDist: out.nextDist,
  };
}

function processedProbAt(row: ProcessedRow, x: number): number {
  const s = row.st.s[x];
  return s === -Infinity ? 0 : Math.exp(s - row.norm.max) / row.norm.z;
}
