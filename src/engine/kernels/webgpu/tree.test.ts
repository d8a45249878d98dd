/**
 * Tree verification: the WGSL kernel (one dispatch per tree, Node + Dawn) against the CPU kernels
 * (cpu/tree.ts), which hold the one TypeScript copy of the rule; its losslessness is tested there.
 */
import { describe, expect, it } from 'vitest';
import { cpu, gpu, useDawnKernels } from '../../../../tests/support/dawn.ts';
import { prng, randomLogits } from '../../../../tests/support/kernels.ts';
import type { ProbsHandle, TreeKernels, TreeVerifyRequest } from '../types.ts';
import { hasVerifyTree } from '../types.ts';
import { H } from './layout.ts';

useDawnKernels();

/** Softmax rows as the CPU kernels compute them (the draft distributions drafts are sampled from). */
async function cpuRows(data: Float32Array, rows: number, V: number): Promise<Float64Array[]> {
  const l = await cpu.createLogits(data, rows, V);
  const r = await cpu.step(l, { rows: Array.from({ length: rows }, () => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 })), keepProcessed: true });
  const out: Float64Array[] = [];
  for (let i = 0; i < rows; i++) out.push(await cpu.readProbs({ probs: r.processed!, row: i }));
  return out;
}

/**
 * One tree verification on `k` from raw logits: the draft rows are processed with the request's
 * config, node j's children drafted from row j. Returns the result and the next distribution.
 */
async function verifyOn(k: TreeKernels, target: Float32Array, draft: Float32Array, req: Omit<TreeVerifyRequest, 'target' | 'q' | 'keepNext'>) {
  const N = req.parents.length;
  const V = target.length / N;
  const tl = await k.createLogits(target, N, V);
  const dl = await k.createLogits(draft, N, V);
  const rows = req.parents.map(() => ({ config: req.config, choose: 'none' as const, seed: 0, step: 0 }));
  const qh = (await k.step(dl, { rows, keepProcessed: true })).processed as ProbsHandle;
  const res = await k.verifyTree({ ...req, target: tl, q: req.parents.map((_, j) => ({ probs: qh, row: j })), keepNext: true });
  const next = await k.readProbs({ probs: res.next!, row: 0 });
  for (const h of [res.next!, qh, tl, dl]) k.dispose(h);
  return { res, next };
}

function sampleFrom(p: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let i = 0; i < p.length; i++) {
    acc += p[i];
    if (u < acc) return i;
  }
  return p.length - 1;
}

describe('tree verification on WebGPU vs the CPU kernels: random trees', () => {
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
      const q = await cpuRows(draft, N, V);
      // Drafts sampled from q at the parent, as a real drafter would.
      const tokens = parents.map((par, j) => (j === 0 ? 0 : sampleFrom(q[par], r())));
      const greedy = trial % 5 === 4;
      const withoutReplacement = trial % 3 === 2;
      const deterministic = trial % 4 === 1;
      const seed = 900 + trial;

      const req = { parents, tokens, config: {}, greedy, withoutReplacement, deterministic, seed, step: 3 };
      const { res: g, next } = await verifyOn(gpu, target, draft, req);
      const c = await verifyOn(cpu as TreeKernels, target, draft, req);
      const w = `trial ${trial} (N=${N}${greedy ? ', greedy' : ''}${withoutReplacement ? ', w/o replacement' : ''}${deterministic ? ', deterministic' : ''})`;
      expect(g.path, `${w} path`).toEqual(c.res.path);
      expect(g.tokens).toEqual(c.res.path.map((j) => tokens[j]));
      expect(g.nextKind, `${w} kind`).toBe(c.res.nextKind);
      expect(g.nextToken, `${w} next`).toBe(c.res.nextToken);
      expect(g.examined.map((e) => [e.node, e.accepted]), `${w} examined`).toEqual(c.res.examined.map((e) => [e.node, e.accepted]));
      let err = 0;
      for (let i = 0; i < V; i++) err = Math.max(err, Math.abs(next[i] - c.next[i]));
      expect(err, `${w} next distribution`).toBeLessThanOrEqual(1e-5);
      expect(g.targetStats.length).toBe(g.path.length + 1);
      // Only the result block comes back: node probabilities and, of the path rows (as many as the
      // deepest path can need), the words the host decodes: with no processor, 17 header words and
      // the raw top-10 list (the processed list is the same); no block per node, no distribution.
      const depth = parents.map(() => 0);
      for (let j = 1; j < N; j++) depth[j] = depth[parents[j]] + 1;
      expect(g.bytesReadBack).toBe((4 + 6 * N + 2 * 10 + N + (Math.max(...depth) + 1) * (H.PROC_TOP_N + 1 + 2 * 10)) * 4);
      g.nodeP!.forEach((p, j) => (j === 0 ? expect(p).toBeNaN() : expect(Math.abs(p - c.res.nodeP![j]), `${w} node ${j} p`).toBeLessThan(1e-5)));
      if (g.nextKind === 'bonus') bonus++;
      else residual++;
      if (g.path.length >= 2) deep++;
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
      // Odd trials: penalties on the path context too (presence/frequency, DRY on the likely tokens).
      const config = trial % 2 ? { temperature: 0.8, top_k: 40, repetition_penalty: 1.1, presence_penalty: 0.4, frequency_penalty: 0.2, dry_multiplier: 1, dry_allowed_length: 1 } : {};
      const mode = { withoutReplacement: trial % 3 === 1, deterministic: trial % 3 === 2, greedy: trial === 7 };
      const uniforms = trial === 3 ? parents.map(() => r()) : undefined;
      const req = { parents, tokens, config, contextIds: [9, 8, order[0], order[1], order[0]], ...mode, uniforms, seed: 5 + trial, step: 2 };
      const g = await verifyOn(gpu, target, draft, req);
      const c = await verifyOn(cpu as TreeKernels, target, draft, req);
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
