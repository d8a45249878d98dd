/**
 * Tree verification: the WGSL kernel (one dispatch per tree, Node + Dawn) against the f64
 * reference in tree.ts, and the reference's losslessness (emitted first token ~ target p).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuKernels } from '../cpu/index.ts';
import type { Kernels, ProbsHandle, TreeKernels } from '../types.ts';
import { hasVerifyTree } from '../types.ts';
import { createWebGpuKernels } from './index.ts';
import type { NodeDevice } from './node-device.ts';
import { prng, randomLogits, requireNodeDevice } from './test-util.ts';
import { verifyTreeReference } from './tree.ts';
import type { WebGpuKernels } from './webgpu-kernels.ts';

let nd: NodeDevice;
let gpu: WebGpuKernels;
let cpu: Kernels;

beforeAll(async () => {
  nd = await requireNodeDevice();
  gpu = await createWebGpuKernels(nd.device);
  cpu = await createCpuKernels();
});
afterAll(() => {
  gpu?.destroy();
  nd?.destroy();
});

/** Softmax rows as the CPU kernels compute them (f64), for the reference. */
async function cpuProbs(data: Float32Array, rows: number, V: number): Promise<Float64Array[]> {
  const l = await cpu.createLogits(data, rows, V);
  const r = await cpu.step(l, { rows: Array.from({ length: rows }, () => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
  const out: Float64Array[] = [];
  for (let i = 0; i < rows; i++) out.push(await cpu.readProbs({ probs: r.processed!, row: i }));
  return out;
}

function sampleFrom(p: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i];
    if (u < acc) return i;
  }
  return p.length - 1;
}

describe('tree verification on WebGPU vs the reference', () => {
  it('random trees: same accepted path, next token, kind and next distribution', async () => {
    const V = 777;
    const r = prng(2024);
    let bonus = 0;
    let residual = 0;
    let deep = 0;
    for (let trial = 0; trial < 16; trial++) {
      const N = 1 + Math.floor(r() * 10);
      const parents = [-1];
      for (let j = 1; j < N; j++) parents.push(Math.floor(r() * j * 0.7));
      const base = randomLogits(V, 300 + trial, 2.5);
      const target = new Float32Array(N * V);
      const draft = new Float32Array(N * V);
      for (let j = 0; j < N; j++) {
        for (let i = 0; i < V; i++) {
          target[j * V + i] = base[i] + (r() - 0.5);
          draft[j * V + i] = base[i] + (r() - 0.5);
        }
      }
      const p = await cpuProbs(target, N, V);
      const q = await cpuProbs(draft, N, V);
      // Drafts sampled from q at the parent, as a real drafter would.
      const tokens = parents.map((par, j) => (j === 0 ? 0 : sampleFrom(q[par], r())));
      const greedy = trial % 5 === 4;
      const withoutReplacement = trial % 3 === 2;
      const deterministic = trial % 4 === 1;
      const seed = 900 + trial;

      const tl = await gpu.createLogits(target, N, V);
      const dl = await gpu.createLogits(draft, N, V);
      const qh = (await gpu.step(dl, { rows: Array.from({ length: N }, () => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true })).processed as ProbsHandle;
      const g = await gpu.verifyTree({
        target: tl,
        parents,
        tokens,
        q: parents.map((_, j) => ({ probs: qh, row: j })),
        config: {},
        greedy,
        withoutReplacement,
        deterministic,
        seed,
        step: 3,
        keepNext: true,
      });
      const ref = verifyTreeReference(p, q, parents, tokens, { greedy, withoutReplacement, deterministic, seed, step: 3 });
      const w = `trial ${trial} (N=${N}${greedy ? ', greedy' : ''}${withoutReplacement ? ', w/o replacement' : ''}${deterministic ? ', deterministic' : ''})`;
      expect(g.path, `${w} path`).toEqual(ref.path);
      expect(g.tokens).toEqual(ref.path.map((j) => tokens[j]));
      expect(g.nextKind, `${w} kind`).toBe(ref.nextKind);
      expect(g.nextToken, `${w} next`).toBe(ref.nextToken);
      expect(g.examined.map((e) => [e.node, e.accepted]), `${w} examined`).toEqual(ref.examined.map((e) => [e.node, e.accepted]));
      const next = await gpu.readProbs({ probs: g.next!, row: 0 });
      let err = 0;
      for (let i = 0; i < V; i++) err = Math.max(err, Math.abs(next[i] - ref.nextDistribution[i]));
      expect(err, `${w} next distribution`).toBeLessThanOrEqual(1e-5);
      expect(g.targetStats.length).toBe(g.path.length + 1);
      // Only the row headers + top-k lists and the small result block come back (no distributions).
      expect(g.bytesReadBack).toBe((N * (40 + 4 * 10) + 4 + 6 * N + 2 * 10) * 4);
      if (g.nextKind === 'bonus') bonus++;
      else residual++;
      if (g.path.length >= 2) deep++;
      gpu.dispose(g.next!);
      gpu.dispose(qh);
      gpu.dispose(tl);
      gpu.dispose(dl);
    }
    expect(bonus + residual).toBe(16);
    expect(residual).toBeGreaterThan(0);
    expect(deep + bonus).toBeGreaterThan(0);
  });
});

describe('tree verification: WebGPU vs the CPU kernels (same contract)', () => {
  it('paths, tokens, examined tests, residual top and target stats agree', async () => {
    expect(hasVerifyTree(gpu)).toBe(true);
    expect(hasVerifyTree(cpu)).toBe(true);
    const V = 1500;
    const r = prng(77);
    for (let trial = 0; trial < 8; trial++) {
      const parents = [-1, 0, 0, 0, 1, 1, 2, 4];
      const N = parents.length;
      const base = randomLogits(V, 40 + trial, 2);
      const target = new Float32Array(N * V);
      const draft = new Float32Array(N * V);
      for (let j = 0; j < N * V; j++) {
        target[j] = base[j % V] + (r() - 0.5);
        draft[j] = base[j % V] + (r() - 0.5);
      }
      const order = Array.from(base.keys()).sort((a, b) => base[b] - base[a]);
      const tokens = parents.map((_, j) => (j === 0 ? 0 : order[Math.floor(r() * 4)]));
      const config = trial % 2 ? { temperature: 0.8, top_k: 40, repetition_penalty: 1.1 } : {};
      const mode = { withoutReplacement: trial % 3 === 1, deterministic: trial % 3 === 2, greedy: trial === 7 };
      const uniforms = trial === 3 ? parents.map(() => r()) : undefined;
      const run = async (k: TreeKernels) => {
        const tl = await k.createLogits(target, N, V);
        const dl = await k.createLogits(draft, N, V);
        const qh = (await k.step(dl, { rows: parents.map(() => ({ config, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true })).processed!;
        const res = await k.verifyTree({ target: tl, parents, tokens, q: parents.map((_, j) => ({ probs: qh, row: j })), config, contextIds: [9, 8], ...mode, uniforms, seed: 5 + trial, step: 2, keepNext: true });
        const next = await k.readProbs({ probs: res.next!, row: 0 });
        k.dispose(res.next!);
        k.dispose(qh);
        k.dispose(tl);
        k.dispose(dl);
        return { res, next };
      };
      const g = await run(gpu);
      const c = await run(cpu as TreeKernels);
      const w = `trial ${trial}`;
      expect(g.res.path, `${w} path`).toEqual(c.res.path);
      expect(g.res.tokens).toEqual(c.res.tokens);
      expect(g.res.nextToken, `${w} next`).toBe(c.res.nextToken);
      expect(g.res.nextKind).toBe(c.res.nextKind);
      expect(g.res.examined.map((e) => [e.node, e.token, e.accepted])).toEqual(c.res.examined.map((e) => [e.node, e.token, e.accepted]));
      g.res.examined.forEach((e, i) => {
        const ce = c.res.examined[i];
        expect(Math.abs(e.p - ce.p)).toBeLessThan(1e-5);
        if (Number.isNaN(ce.q)) expect(e.q).toBeNaN();
        else expect(Math.abs(e.q - ce.q)).toBeLessThan(1e-5);
        if (Number.isNaN(ce.u)) expect(e.u).toBeNaN();
        else expect(e.u).toBe(ce.u);
      });
      let err = 0;
      for (let i = 0; i < V; i++) err = Math.max(err, Math.abs(g.next[i] - c.next[i]));
      expect(err, `${w} next distribution`).toBeLessThanOrEqual(1e-5);
      expect(!!g.res.residualTop, `${w} residualTop present`).toBe(!!c.res.residualTop);
      if (g.res.residualTop && c.res.residualTop) {
        expect(g.res.residualTop.ids).toEqual(c.res.residualTop.ids);
        g.res.residualTop.probs.forEach((x, i) => expect(Math.abs(x - c.res.residualTop!.probs[i])).toBeLessThan(1e-5));
      }
      expect(g.res.targetStats.map((s) => s.stages.map((x) => x.kept))).toEqual(c.res.targetStats.map((s) => s.stages.map((x) => x.kept)));
    }
  });

  it('relaxed acceptance is refused with a RangeError (CPU-only extension)', async () => {
    const l = await gpu.createLogits(new Float32Array(8), 1, 8);
    await expect(
      gpu.verifyTree({ target: l, parents: [-1], tokens: [0], q: [undefined], config: {}, seed: 0, step: 0, relaxed: { neighbors: new Int32Array(8), width: 1, k: 2, delta: 0.1 } }),
    ).rejects.toThrow(RangeError);
    gpu.dispose(l);
  });
});

describe('tree rule is lossless (reference, chi-square)', () => {
  // Root with 3 children drafted from q (i.i.d., or without replacement), each with 2 children.
  // The first emitted token must follow p_root exactly, whatever q is.
  const V = 5;
  const pRoot = [0.4, 0.25, 0.2, 0.1, 0.05];
  const q = [0.1, 0.1, 0.2, 0.3, 0.3];
  const parents = [-1, 0, 0, 0, 1, 1, 2, 2, 3, 3];
  for (const withoutReplacement of [false, true]) {
    it(withoutReplacement ? 'siblings without replacement' : 'i.i.d. siblings', () => {
      const r = prng(withoutReplacement ? 7 : 8);
      const counts = new Array<number>(V).fill(0);
      const runs = 20000;
      const pRows = parents.map((_, j) => (j === 0 ? pRoot : [0.2, 0.2, 0.2, 0.2, 0.2]));
      const qRows = parents.map(() => q);
      for (let s = 0; s < runs; s++) {
        const tokens = [0];
        const used = new Map<number, Set<number>>();
        for (let j = 1; j < parents.length; j++) {
          const par = parents[j];
          if (!withoutReplacement) {
            tokens.push(sampleFrom(q, r()));
            continue;
          }
          const seen = used.get(par) ?? new Set<number>();
          const rest = q.map((x, i) => (seen.has(i) ? 0 : x));
          const z = rest.reduce((a, b) => a + b, 0);
          const t = sampleFrom(rest.map((x) => x / z), r());
          seen.add(t);
          used.set(par, seen);
          tokens.push(t);
        }
        const out = verifyTreeReference(pRows, qRows, parents, tokens, { withoutReplacement, seed: s, step: 0 });
        const first = out.path.length > 0 ? tokens[out.path[0]] : out.nextToken;
        counts[first]++;
      }
      const chi2 = counts.reduce((acc, c, i) => acc + (c - runs * pRoot[i]) ** 2 / (runs * pRoot[i]), 0);
      // 4 degrees of freedom, alpha = 0.001: critical value 18.47.
      expect(chi2).toBeLessThan(18.47);
    });
  }
});
