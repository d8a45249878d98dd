/**
 * Tree (multi-draft) speculative verification on WebGPU (`WebGpuKernels.verifyTree`, contract in
 * types.ts): request validation and a pure f64 reference of the core rule that the tests check
 * the WGSL kernel against (the CPU kernels' walkTree implements the same contract plus the
 * CPU-only extensions).
 *
 * Rule (SpecInfer-style recursive rejection sampling): walk from the root; at node u with target
 * p = p_u and draft q = q_u, try u's children in draft order: accept child c (token x) when
 * u_c < min(1, p(x)/q(x)) (q = 0: ratio 1 if p > 0 else 0), with u_c = uniform(seed, step,
 * purposeWord('accept', sub), c) keyed by the node id; after a rejection p <- normalize(max(0, p - q))
 * (p unchanged if that has no mass) and, when siblings were drafted without replacement,
 * q <- q with x removed, renormalized. When every child is rejected the next token is Gumbel-max
 * over the final p with purpose 'residual'; at a leaf it is Gumbel-max over p_leaf, purpose
 * 'bonus'. Greedy: accept the child whose token is argmax p_u; the next token is argmax p.
 * With i.i.d. (or without-replacement) sibling drafts this emits tokens distributed exactly as the
 * target's sampling distribution.
 */
import { gumbel, purposeWord, uniform } from '../../rng.ts';

export type { TreeExamined, TreeVerifyRequest, TreeVerifyResult } from '../types.ts';

export function validateTree(parents: number[], tokens: number[], vocab: number): void {
  const N = parents.length;
  if (N < 1 || tokens.length !== N) throw new RangeError('verifyTree: parents and tokens must have one entry per node (N >= 1)');
  if (parents[0] !== -1) throw new RangeError('verifyTree: node 0 must be the root (parents[0] = -1)');
  for (let j = 1; j < N; j++) {
    if (!Number.isInteger(parents[j]) || parents[j] < 0 || parents[j] >= j) throw new RangeError(`verifyTree: parents[${j}] must be in [0, ${j})`);
    if (!Number.isInteger(tokens[j]) || tokens[j] < 0 || tokens[j] >= vocab) throw new RangeError(`verifyTree: token of node ${j} out of range`);
  }
}

export interface TreeReferenceOutcome {
  path: number[];
  nextToken: number;
  nextKind: 'residual' | 'bonus';
  nextDistribution: Float64Array;
  examined: { node: number; accepted: boolean; u: number }[];
}

/** f64 reference of the rule above on explicit distributions (p per node, q per internal node). */
export function verifyTreeReference(
  p: ArrayLike<number>[],
  q: (ArrayLike<number> | undefined)[],
  parents: number[],
  tokens: number[],
  o: { greedy?: boolean; withoutReplacement?: boolean; deterministic?: boolean; seed: number; step: number; sub?: number },
): TreeReferenceOutcome {
  const V = p[0].length;
  validateTree(parents, tokens, V);
  const sub = o.sub ?? 0;
  const argmax = (v: ArrayLike<number>) => {
    let b = 0;
    for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
    return b;
  };
  const path: number[] = [];
  const examined: TreeReferenceOutcome['examined'] = [];
  let node = 0;
  for (;;) {
    const children = parents.map((par, j) => (par === node ? j : -1)).filter((j) => j >= 0);
    let cur = Float64Array.from(p[node]);
    if (children.length === 0) {
      const next = o.greedy ? argmax(cur) : gumbelArgmax(cur, o.seed, o.step, purposeWord('bonus', sub));
      return { path, nextToken: next, nextKind: 'bonus', nextDistribution: cur, examined };
    }
    const qn = o.deterministic ? new Float64Array(V) : q[node];
    if (!qn) throw new RangeError(`verifyTree: node ${node} has children but no draft distribution`);
    let qc = Float64Array.from(qn);
    const best = argmax(cur);
    let accepted = -1;
    for (const c of children) {
      const x = tokens[c];
      if (o.greedy) {
        const ok = best === x;
        examined.push({ node: c, accepted: ok, u: NaN });
        if (ok) {
          accepted = c;
          break;
        }
        continue;
      }
      if (o.deterministic) {
        qc = new Float64Array(V); // one-hot draft at x: accept with p(x), residual = p without x
        qc[x] = 1;
      }
      const u = uniform(o.seed, o.step, purposeWord('accept', sub), c);
      const ratio = qc[x] > 0 ? cur[x] / qc[x] : cur[x] > 0 ? 1 : 0;
      const ok = u < Math.min(1, ratio);
      examined.push({ node: c, accepted: ok, u });
      if (ok) {
        accepted = c;
        break;
      }
      let s = 0;
      for (let i = 0; i < V; i++) s += Math.max(0, cur[i] - qc[i]);
      if (s > 0) cur = cur.map((v, i) => Math.max(0, v - qc[i]) / s);
      if (o.withoutReplacement) {
        let sq = 0;
        for (let i = 0; i < V; i++) if (i !== x) sq += qc[i];
        qc = qc.map((v, i) => (i === x || !(sq > 0) ? 0 : v / sq));
      }
    }
    if (accepted < 0) {
      const next = o.greedy ? argmax(cur) : gumbelArgmax(cur, o.seed, o.step, purposeWord('residual', sub));
      return { path, nextToken: next, nextKind: 'residual', nextDistribution: cur, examined };
    }
    path.push(accepted);
    node = accepted;
  }
}

function gumbelArgmax(probs: ArrayLike<number>, seed: number, step: number, purpose: number): number {
  let best = -1;
  let bestKey = -Infinity;
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] > 0)) continue;
    const key = Math.log(probs[i]) + gumbel(seed, step, purpose, i);
    if (key > bestKey || best < 0) {
      best = i;
      bestKey = key;
    }
  }
  return best;
}

