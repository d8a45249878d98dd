/**
 * Tree verification (kernels.verifyTree) on toy distributions: a chain-shaped tree is verifyChain,
 * and every sibling mode is lossless — the first emitted token follows the root's target p and,
 * given that a draft was accepted there, the second follows the target after it (chi-square at
 * alpha = 0.001 with fixed seeds, so the outcome is deterministic).
 */
import { describe, expect, it } from 'vitest';
import { gumbel, purposeWord } from '../../rng.ts';
import type { ProbsHandle, ProbsRef, RelaxedAcceptance, TreeVerifyRequest } from '../types.ts';
import { CpuKernels } from './cpu-kernels.ts';
import { chiSquare, chiSquareCritical001, logitsOf } from '../../../../tests/support/kernels.ts';
import { relaxedDriftOf, relaxedMass, type SiblingMode } from './tree.ts';

const kernels = new CpuKernels();
const V = 6;

const rotate = (v: number[], k: number) => v.map((_, i) => v[(i + k) % v.length]);
const pRoot = [0.4, 0.3, 0.1, 0.1, 0.05, 0.05];
const pBase = [0.05, 0.15, 0.5, 0.1, 0.1, 0.1];
const qRoot = [0.1, 0.5, 0.2, 0.05, 0.1, 0.05];
const qBase = [0.3, 0.1, 0.3, 0.1, 0.1, 0.1];
/** Target / draft distribution after a path (depends on the path, so a wrong row would show). */
const pAfter = (path: number[]) => (path.length === 0 ? pRoot : rotate(pBase, path.reduce((a, b) => a * 7 + b + 1, 0) % V));
const qAfter = (path: number[]) => (path.length === 0 ? qRoot : rotate(qBase, path.reduce((a, b) => a * 5 + b + 2, 0) % V));

interface Toy {
  parents: number[];
  tokens: number[];
  paths: number[][]; // node -> token path (node 0 = root)
}

/** Children drawn from q: i.i.d. Gumbel-max per child, or Gumbel-top-k (without replacement), or fixed. */
function draftTree(mode: SiblingMode, width: number, depth: number, seed: number, step: number): Toy {
  const parents: number[] = [-1];
  const tokens: number[] = [0];
  const paths: number[][] = [[]];
  let frontier = [0];
  for (let d = 0; d < depth; d++) {
    const next: number[] = [];
    for (const par of frontier) {
      const path = paths[par];
      const q = qAfter(path);
      let kids: number[];
      if (mode === 'iid') {
        kids = Array.from({ length: width }, (_, j) => {
          const sub = 1 + tokens.length + j;
          let best = -1;
          let key = -Infinity;
          q.forEach((qi, i) => {
            const k = Math.log(qi) + gumbel(seed, step, purposeWord('draft', sub), i);
            if (k > key) [best, key] = [i, k];
          });
          return best;
        });
      } else if (mode === 'without-replacement') {
        const keys = q.map((qi, i) => Math.log(qi) + gumbel(seed, step, purposeWord('draft', 1 + par), i));
        kids = keys
          .map((k, i) => [k, i])
          .sort((a, b) => b[0] - a[0])
          .slice(0, width)
          .map((e) => e[1]);
      } else {
        // Deterministic drafts: the most likely draft tokens (a function of the path only).
        kids = q
          .map((qi, i) => [qi, i])
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, width)
          .map((e) => e[1]);
      }
      for (const x of kids) {
        parents.push(par);
        tokens.push(x);
        paths.push([...path, x]);
        next.push(tokens.length - 1);
      }
    }
    frontier = next;
  }
  return { parents, tokens, paths };
}

async function verifyToy(toy: Toy, mode: SiblingMode, seed: number, step: number, extra: Partial<TreeVerifyRequest> = {}) {
  const slots = toy.paths.length;
  const data = new Float64Array(slots * V);
  toy.paths.forEach((path, s) => data.set(logitsOf(pAfter(path)), s * V));
  const target = await kernels.createLogits(data, slots, V);
  const qd = new Float64Array(slots * V);
  toy.paths.forEach((path, s) => qd.set(logitsOf(qAfter(path)), s * V));
  const drafts = await kernels.step(await kernels.createLogits(qd, slots, V), {
    rows: toy.paths.map(() => ({ config: {}, choose: 'none' as const, seed, step })),
    keepProcessed: true,
  });
  const q: ProbsRef[] = toy.paths.map((_, s) => ({ probs: drafts.processed as ProbsHandle, row: s }));
  const res = await kernels.verifyTree({
    target,
    parents: toy.parents,
    tokens: toy.tokens,
    q,
    withoutReplacement: mode === 'without-replacement',
    deterministic: mode === 'deterministic',
    config: {},
    seed,
    step,
    ...extra,
  });
  kernels.dispose(drafts.processed!);
  return res;
}

/** Runs N seeded steps and checks the first two emitted tokens against the target. */
async function lossless(mode: SiblingMode, width: number, depth: number, N: number, seed: number) {
  const first = new Array(V).fill(0);
  const second: number[][] = Array.from({ length: V }, () => new Array(V).fill(0));
  let acceptedTotal = 0;
  for (let step = 0; step < N; step++) {
    const toy = draftTree(mode, width, depth, seed, step);
    const res = await verifyToy(toy, mode, seed, step);
    const emitted = [...res.path.map((n) => toy.tokens[n]), res.nextToken];
    first[emitted[0]]++;
    if (emitted.length > 1) second[emitted[0]][emitted[1]]++;
    acceptedTotal += res.path.length;
  }
  expect(chiSquare(first, pRoot)).toBeLessThan(chiSquareCritical001(V - 1));
  // Given an accepted first token x, the second follows the target after x: pooled chi-square.
  let x2 = 0;
  let df = 0;
  for (let x = 0; x < V; x++) {
    if (second[x].reduce((a, b) => a + b, 0) < 50) continue;
    x2 += chiSquare(second[x], pAfter([x]));
    df += V - 1;
  }
  expect(df).toBeGreaterThan(0);
  expect(x2).toBeLessThan(chiSquareCritical001(df));
  return acceptedTotal / N;
}

describe('tree verification (kernels.verifyTree)', () => {
  it('a chain-shaped tree is verifyChain given the same uniforms (and the same residual / bonus keys)', async () => {
    const seed = 5;
    for (let step = 0; step < 300; step++) {
      const toy = draftTree('iid', 1, 3, seed, step);
      const us = [0, 1, 2].map((i) => ((step * 37 + i * 11) % 97) / 97 + 0.001);
      const res = await verifyToy(toy, 'iid', seed, step, { uniforms: [NaN, ...us] });
      const d = await kernels.step(
        await kernels.createLogits(Float64Array.from(toy.paths.slice(0, 3).flatMap((p) => [...logitsOf(qAfter(p))])), 3, V),
        { rows: [0, 1, 2].map(() => ({ config: {}, choose: 'none' as const, seed, step })), keepProcessed: true },
      );
      const chain = await kernels.verifyChain({
        target: await kernels.createLogits(Float64Array.from(toy.paths.flatMap((p) => [...logitsOf(pAfter(p))])), 4, V),
        q: [0, 1, 2].map((row) => ({ probs: d.processed!, row })),
        draftTokens: toy.tokens.slice(1),
        config: {},
        seed,
        step,
        uniforms: us,
      });
      expect(res.path.length).toBe(chain.accepted);
      expect(res.nextToken).toBe(chain.nextToken);
      expect(res.nextKind).toBe(chain.nextKind);
      expect(res.residualTop?.ids).toEqual(chain.residualTop?.ids);
    }
  });

  it('SpecInfer i.i.d. siblings (width 3, depth 2) are lossless (chi-square, alpha 0.001, 12000 seeded steps)', async () => {
    const meanAccepted = await lossless('iid', 3, 2, 12000, 101);
    // More siblings accept more than one draft per position: sum min(p, q) is 0.65 at the root.
    expect(meanAccepted).toBeGreaterThan(0.75);
  });

  it('RSD siblings without replacement (Gumbel-top-k, width 3, depth 2) are lossless (chi-square, alpha 0.001)', async () => {
    const meanAccepted = await lossless('without-replacement', 3, 2, 12000, 202);
    expect(meanAccepted).toBeGreaterThan(0.75);
  });

  it('one-hot (deterministic) drafts: accept with p(x), residual = p without x; lossless (chi-square, alpha 0.001)', async () => {
    await lossless('deterministic', 2, 2, 12000, 303);
  });

  it('greedy: follows the target argmax through the tree; bonus at an accepted leaf', async () => {
    const best = (v: number[]) => v.indexOf(Math.max(...v));
    const t1 = best(pAfter([]));
    const t2 = best(pAfter([t1]));
    const other = (t: number) => (t + 1) % V;
    const toy: Toy = { parents: [-1, 0, 0, 2, 2], tokens: [0, other(t1), t1, other(t2), t2], paths: [] };
    toy.paths = [[], [other(t1)], [t1], [t1, other(t2)], [t1, t2]];
    const res = await verifyToy(toy, 'iid', 1, 1, { greedy: true });
    expect(res.path).toEqual([2, 4]);
    expect(res.nextKind).toBe('bonus');
    expect(res.nextToken).toBe(best(pAfter([t1, t2])));
    expect(res.choices!.map((c) => c.token)).toEqual([t1, t2, res.nextToken]);
    expect(res.targetStats).toHaveLength(3);
  });

  it('relaxed acceptance with k = 1 or delta = 0 is exact acceptance, and its drift is measured', async () => {
    // Neighbours: token i's nearest are i+1, i+2 (mod V).
    const neighbors = new Int32Array(V * 2);
    for (let i = 0; i < V; i++) neighbors.set([(i + 1) % V, (i + 2) % V], i * 2);
    const exactK: RelaxedAcceptance = { neighbors, width: 2, k: 1, delta: 0.5 };
    const exactD: RelaxedAcceptance = { neighbors, width: 2, k: 3, delta: 0 };
    const lossy: RelaxedAcceptance = { neighbors, width: 2, k: 3, delta: 0.3 };
    let differs = 0;
    for (let step = 0; step < 400; step++) {
      const toy = draftTree('iid', 2, 2, 9, step);
      const exact = await verifyToy(toy, 'iid', 9, step);
      for (const relaxed of [exactK, exactD]) {
        const r = await verifyToy(toy, 'iid', 9, step, { relaxed });
        expect(r.path).toEqual(exact.path);
        expect(r.nextToken).toBe(exact.nextToken);
        expect(r.relaxedDrift).toBeCloseTo(0, 12);
      }
      const l = await verifyToy(toy, 'iid', 9, step, { relaxed: lossy });
      expect(l.relaxedDrift).toBeGreaterThan(0);
      if (l.path.length !== exact.path.length) differs++;
      // Relaxed accepts at least the exact path's first node (p~ >= p with the same uniforms).
      if (exact.path.length) expect(l.path.length).toBeGreaterThan(0);
    }
    expect(differs).toBeGreaterThan(0);
    // The drift formula: exact rule (p~ = p) gives the target itself.
    expect(relaxedDriftOf(Float64Array.from(pRoot), qRoot, exactD)).toBeCloseTo(0, 12);
    expect(relaxedMass(pRoot, 0, lossy)).toBeCloseTo(pRoot[0] + pRoot[1], 12); // 0.3 fits, then 0.1 more would exceed
  });

  it('relaxed drift matches the empirical first-token distribution (TV within sampling error)', async () => {
    const neighbors = new Int32Array(V * 2);
    for (let i = 0; i < V; i++) neighbors.set([(i + 1) % V, (i + 2) % V], i * 2);
    const lossy: RelaxedAcceptance = { neighbors, width: 2, k: 3, delta: 0.3 };
    const counts = new Array(V).fill(0);
    const N = 8000;
    let drift = 0;
    for (let step = 0; step < N; step++) {
      const toy = draftTree('iid', 1, 1, 77, step);
      const r = await verifyToy(toy, 'iid', 77, step, { relaxed: lossy });
      counts[r.path.length ? toy.tokens[r.path[0]] : r.nextToken]++;
      drift = r.relaxedDrift!;
    }
    const tv = counts.reduce((a, c, i) => a + Math.abs(c / N - pRoot[i]), 0) / 2;
    expect(Math.abs(tv - drift)).toBeLessThan(0.03);
    expect(drift).toBeGreaterThan(0.03);
  });

  it('rejects malformed trees', async () => {
    const target = await kernels.createLogits(new Float64Array(2 * V), 2, V);
    const base = { target, q: [], config: {}, seed: 1, step: 1, deterministic: true };
    await expect(kernels.verifyTree({ ...base, parents: [-1, 1], tokens: [0, 1] })).rejects.toThrow(RangeError);
    await expect(kernels.verifyTree({ ...base, parents: [-1, 0], tokens: [0, 99] })).rejects.toThrow(RangeError);
    await expect(kernels.verifyTree({ ...base, parents: [-1], tokens: [0] })).rejects.toThrow(/rows/);
  });
});
