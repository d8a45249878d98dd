/**
 * The draft/verify loop shared by every speculative strategy: the committed context, the target's
 * KV cache, one batched target pass over a draft tree, verification (verifyChain for plain chains,
 * verifyTree otherwise), KV rollback to the accepted prefix, and the trace (a 'spec' strategy event
 * per step, then one token event per emitted token).
 *
 * Invariants: `ctx` holds every committed token (prompt + emitted); the target KV holds a prefix
 * of it and the rest (at least the last token) is fed in front of the drafts at the next pass.
 * A draft tree has node 0 = the root (the last committed token) and parents before children, the
 * layout of TreeVerifyRequest. Verification draws are keyed by (seed, step = position of the first
 * drafted token, purpose, node id), so a rejected draft never shifts a later draw.
 */
import { CpuKernels } from '../../kernels/cpu/cpu-kernels.ts';
import {
  hasVerifyTree,
  type Choice,
  type Kernels,
  type Logits,
  type ProbsHandle,
  type ProbsRef,
  type ProcessorConfig,
  type RelaxedAcceptance,
  type RowStats,
  type StepRowResult,
  type TopK,
  type TreeKernels,
} from '../../kernels/types.ts';
import type { Sequence } from '../../model/runner.ts';
import { purposeWord, uniform } from '../../rng.ts';
import { tokenEventFromStep, topEntries } from '../../trace/events.ts';
import type { DraftNode, SpecStepData } from '../../trace/strategy-events.ts';
import type { StrategyEvent, TokenEvent, TokenSource } from '../../trace/types.ts';
import { processorConfig } from '../processor-config.ts';
import type { Emitted, StrategyContext } from '../types.ts';
import { DISPLAY_TOP_K } from '../sampling.ts';

export type DraftMode = 'iid' | 'without-replacement' | 'deterministic';

/** A draft tree in TreeVerifyRequest layout (node 0 = root). */
export class DraftTree {
  parents: number[] = [-1];
  tokens: number[];
  depth: number[] = [0];
  /** Draft distribution each node's children were drawn from (draft-model trees). */
  q: (ProbsRef | undefined)[] = [undefined];
  /** Draft probability of each node's token (1 for deterministic drafts, NaN for the root). */
  qProb: number[] = [NaN];
  /** A duplicate sibling (same parent and token) shares the first copy's target row: its id, else itself. */
  same: number[] = [0];
  /** Handles to dispose after verification. */
  handles: ProbsHandle[] = [];

  constructor(
    root: number,
    readonly mode: DraftMode,
  ) {
    this.tokens = [root];
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Adds a child; one-hot (deterministic) drafts have q(x) = 1. */
  add(parent: number, token: number, qProb = this.mode === 'deterministic' ? 1 : NaN): number {
    const id = this.tokens.length;
    let same = id;
    for (let j = 1; j < id; j++) if (this.parents[j] === parent && this.tokens[j] === token) same = this.same[j];
    this.parents.push(parent);
    this.tokens.push(token);
    this.depth.push(this.depth[parent] + 1);
    this.q.push(undefined);
    this.qProb.push(qProb);
    this.same.push(same);
    return id;
  }

  children(n: number): number[] {
    const out: number[] = [];
    for (let j = n + 1; j < this.parents.length; j++) if (this.parents[j] === n) out.push(j);
    return out;
  }

  /** Tokens on the path root..n (root excluded). */
  path(n: number): number[] {
    const out: number[] = [];
    for (let u = n; u > 0; u = this.parents[u]) out.push(this.tokens[u]);
    return out.reverse();
  }

  isChain(): boolean {
    return this.parents.every((p, j) => p === j - 1);
  }

  maxDepth(): number {
    return Math.max(0, ...this.depth);
  }
}

export interface StepExtras {
  draftForwards: number;
  stop?: SpecStepData['stop'];
  confidence?: number[];
  lookup?: SpecStepData['lookup'];
  /** Extra target forwards spent this step (e.g. recycling's prompt pass). */
  extraTargetForwards?: number;
}

export interface VerifyOutcome {
  /** Tokens committed by this step (accepted drafts then the next token). */
  tokens: number[];
  accepted: number;
  /** The compact target logits, one row per node (Token Recycling reads them); empty when a chain stayed on the GPU. */
  rows: Float32Array;
  vocab: number;
  tree: DraftTree;
}

/** Where tree verification runs: the backend's kernels when they have the method and the request needs no CPU extension. */
export function treeKernels(k: Kernels, needsCpuExtension: boolean): TreeKernels {
  if (!needsCpuExtension && hasVerifyTree(k)) return k;
  return k instanceof CpuKernels ? k : new CpuKernels();
}

export class SpecSession {
  readonly ctx: number[];
  readonly tseq: Sequence;
  readonly processors: ProcessorConfig;
  readonly greedy: boolean;
  readonly vocab: number;
  private index = 0;

  constructor(
    readonly sc: StrategyContext,
    readonly method: string,
    /** Kernels for drafting and verification (may be the CPU kernels, see treeKernels). */
    readonly kernels: Kernels,
    readonly relaxed?: RelaxedAcceptance,
    readonly relaxedNote?: string,
  ) {
    this.ctx = sc.promptIds.slice();
    this.tseq = sc.target.newSequence(1);
    this.processors = processorConfig(sc.config);
    this.greedy = sc.config.temperature === 0;
    this.vocab = sc.target.info.vocabSize;
  }

  /** Position of the next token to emit (the step key of the next verification). */
  get position(): number {
    return this.ctx.length;
  }

  /** Drafts the budget allows: tokens still to emit minus the one the target adds, and context room. */
  draftRoom(want: number): number {
    const room = Math.min(this.sc.remaining() - 1, this.sc.target.info.maxPositions - this.ctx.length);
    return Math.max(0, Math.min(want, room));
  }

  dispose(): void {
    this.tseq.dispose();
  }

  /**
   * One batched target pass over the tree (one row per root-to-leaf path, padded), verification,
   * rollback of the target KV cache, and the trace events. Returns what was committed.
   */
  async verify(tree: DraftTree, extras: StepExtras): Promise<{ emitted: Emitted[]; outcome: VerifyOutcome }> {
    const { target, config } = this.sc;
    const V = this.vocab;
    const N = tree.size;
    const step = this.ctx.length;
    const base = this.tseq.length;
    const pending = this.ctx.slice(base);
    const kids: number[][] = Array.from({ length: N }, () => []);
    for (let j = 1; j < N; j++) kids[tree.parents[j]].push(j);
    const leaves: number[] = [];
    for (let j = 1; j < N; j++) if (tree.same[j] === j && !kids[j].some((c) => tree.same[c] === c)) leaves.push(j);
    const maxDepth = leaves.reduce((m, j) => Math.max(m, tree.depth[j]), 0);
    const keep = maxDepth + 1;
    const rowTokens = leaves.length === 0 ? [pending] : leaves.map((l) => {
      const path = tree.path(l);
      while (path.length < maxDepth) path.push(tree.tokens[l]);
      return [...pending, ...path];
    });
    // The leaf row whose path runs through each node (the first one found).
    const rowOf = new Array<number>(N).fill(-1);
    rowOf[0] = 0;
    leaves.forEach((l, r) => {
      for (let u = l; u > 0; u = tree.parents[u]) if (rowOf[u] < 0) rowOf[u] = r;
    });
    if (rowTokens.length > 1) this.tseq.gatherRows(new Array(rowTokens.length).fill(0));
    const k = this.kernels;
    // On the WebGPU kernels a plain chain stays on the GPU: its one row's K + 1 positions are the
    // nodes' rows in order, so the verifier reads ORT's logits in place (no compaction needed).
    const gpuChain = k.backend === 'webgpu' && rowTokens.length === 1 && tree.mode === 'iid' && tree.isChain() && !this.relaxed;
    let rows = new Float32Array(0);
    let logits: Logits;
    if (gpuChain) {
      logits = await target.forwardLogits(this.tseq, rowTokens, keep);
    } else {
      const out = await target.forward(this.tseq, rowTokens, keep);
      // Compact logits: one row per node (duplicates share the first copy's row).
      rows = new Float32Array(N * V);
      for (let j = 0; j < N; j++) {
        const src = j === 0 ? 0 : rowOf[tree.same[j]] * keep + tree.depth[j];
        rows.set(out.logits.subarray(src * V, (src + 1) * V), j * V);
      }
      logits = await k.createLogits(rows, N, V);
    }
    let path: number[];
    let nextToken: number;
    let nextKind: 'residual' | 'bonus';
    let examined: { node: number; accepted: boolean; u: number; p: number; relaxed?: boolean }[];
    let residualTop: TopK | undefined;
    let choices: Choice[] | undefined;
    let stats: RowStats[];
    let nodeP: number[] | undefined;
    let drift: number | undefined;
    try {
      const common = { config: this.processors, contextIds: this.ctx, greedy: this.greedy, seed: config.seed, step, topK: DISPLAY_TOP_K };
      if (tree.mode === 'iid' && tree.isChain() && !this.relaxed) {
        const res = await k.verifyChain({ ...common, target: logits, q: tree.q.slice(0, N - 1) as ProbsRef[], draftTokens: tree.tokens.slice(1) });
        this.sc.countReadBack(res.bytesReadBack);
        path = Array.from({ length: res.accepted }, (_, i) => i + 1);
        nextToken = res.nextToken;
        nextKind = res.nextKind;
        examined = res.positions.map((p, i) => ({ node: i + 1, accepted: p.accepted, u: p.u, p: p.p }));
        residualTop = res.residualTop;
        stats = res.targetStats;
      } else {
        const tk = k as TreeKernels;
        const res = await tk.verifyTree({
          ...common,
          target: logits,
          parents: tree.parents,
          tokens: tree.tokens,
          q: tree.q,
          withoutReplacement: tree.mode === 'without-replacement',
          deterministic: tree.mode === 'deterministic' || undefined,
          relaxed: this.relaxed,
          // A chain keeps verifyChain's acceptance keys (index = draft position), so relaxed
          // acceptance with k = 1 or delta = 0 gives exactly the tokens of plain spec-chain.
          uniforms: tree.isChain() && !this.greedy ? chainUniforms(config.seed, step, N - 1) : undefined,
        });
        this.sc.countReadBack(res.bytesReadBack);
        path = res.path;
        nextToken = res.nextToken;
        nextKind = res.nextKind;
        examined = res.examined;
        residualTop = res.residualTop;
        choices = res.choices;
        stats = res.targetStats;
        nodeP = res.nodeP;
        drift = res.relaxedDrift;
      }
    } finally {
      if (!gpuChain) k.dispose(logits);
    }
    const emittedTokens = [...path.map((j) => tree.tokens[j]), nextToken];
    const emittedRows = [0, ...path];

    // Describe every emitted token on its row (and fill p of drafts the verifier did not report).
    const knownP = nodeP ?? new Array<number>(N).fill(NaN);
    for (const e of examined) if (Number.isNaN(knownP[e.node])) knownP[e.node] = e.p;
    const forced: { row: number; token: number; ctx: number[] }[] = [];
    if (!choices) emittedRows.forEach((r, i) => forced.push({ row: r, token: emittedTokens[i], ctx: [...this.ctx, ...tree.path(r)] }));
    const needP: number[] = [];
    for (let j = 1; j < N; j++) if (Number.isNaN(knownP[j]) && tree.same[j] === j) needP.push(j);
    for (const j of needP) forced.push({ row: tree.parents[j], token: tree.tokens[j], ctx: [...this.ctx, ...tree.path(tree.parents[j])] });
    let described: StepRowResult[] = [];
    if (forced.length && gpuChain) {
      // One request per chain row (force the token described there; in a chain no row needs two).
      const want = new Map<number, (typeof forced)[number]>();
      for (const f of forced) if (!want.has(f.row)) want.set(f.row, f);
      const res = await k.step(logits, {
        rows: Array.from({ length: N }, (_, r) => {
          const f = want.get(r);
          return f
            ? { config: this.processors, contextIds: f.ctx, choose: 'force' as const, forceToken: f.token, seed: config.seed, step }
            : { config: this.processors, choose: 'none' as const, seed: config.seed, step };
        }),
        topK: DISPLAY_TOP_K,
      });
      this.sc.countReadBack(res.bytesReadBack);
      described = forced.map((f) => res.rows[f.row]);
      needP.forEach((j, i) => (knownP[j] = described[(choices ? 0 : emittedRows.length) + i].choice!.processedProb));
    } else if (forced.length) {
      const data = new Float32Array(forced.length * V);
      forced.forEach((f, i) => data.set(rows.subarray(f.row * V, (f.row + 1) * V), i * V));
      const fl = await k.createLogits(data, forced.length, V);
      try {
        const res = await k.step(fl, {
          rows: forced.map((f) => ({ config: this.processors, contextIds: f.ctx, choose: 'force' as const, forceToken: f.token, seed: config.seed, step })),
          topK: DISPLAY_TOP_K,
        });
        this.sc.countReadBack(res.bytesReadBack);
        described = res.rows;
      } finally {
        k.dispose(fl);
      }
      needP.forEach((j, i) => (knownP[j] = described[(choices ? 0 : emittedRows.length) + i].choice!.processedProb));
    }
    const rowResults: StepRowResult[] = choices
      ? emittedRows.map((_, i) => ({ ...stats[i], choice: choices![i] }))
      : described.slice(0, emittedRows.length);

    // Roll the target back to the accepted prefix (keep the row whose path holds it).
    const deepest = path.length ? path[path.length - 1] : 0;
    if (rowTokens.length > 1) this.tseq.gatherRows([rowOf[tree.same[deepest]]]);
    this.tseq.truncate(step + path.length);
    for (const h of tree.handles) k.dispose(h);
    tree.handles = [];

    // Trace.
    const text = (id: number) => target.tokenText(id);
    const examinedBy = new Map(examined.map((e) => [e.node, e]));
    const onPath = new Set(path);
    const nodes: DraftNode[] = [];
    for (let j = 1; j < N; j++) {
      const e = examinedBy.get(j);
      nodes.push({
        id: j - 1,
        parent: tree.parents[j] - 1,
        token: tree.tokens[j],
        text: text(tree.tokens[j]),
        depth: tree.depth[j],
        q: tree.qProb[j],
        p: knownP[tree.same[j]] ?? NaN,
        status: onPath.has(j) ? 'accepted' : e ? 'rejected' : 'unverified',
        ...(e && !Number.isNaN(e.u) ? { u: e.u } : {}),
        ...(e?.relaxed ? { relaxed: true } : {}),
      });
    }
    const drafted = tree.maxDepth();
    const depths = Array.from({ length: drafted }, (_, d) => ({
      drafted: tree.depth.filter((x) => x === d + 1).length,
      reached: path.length >= d,
      accepted: path.length > d,
    }));
    const data: SpecStepData = {
      method: this.method,
      nodes,
      accepted: path.length,
      next: { id: nextToken, text: text(nextToken), kind: nextKind },
      residualTop: residualTop ? topEntries(residualTop, text) : undefined,
      targetForwards: 1 + (extras.extraTargetForwards ?? 0),
      draftForwards: extras.draftForwards,
      step,
      greedy: this.greedy,
      depths,
      ...(extras.stop ? { stop: extras.stop } : {}),
      ...(extras.confidence ? { confidence: extras.confidence } : {}),
      ...(extras.lookup ? { lookup: extras.lookup } : {}),
      ...(this.relaxed || this.relaxedNote
        ? {
            relaxed: {
              k: this.relaxed?.k ?? config.relaxed_neighbors,
              delta: this.relaxed?.delta ?? config.relaxed_delta,
              drift: drift ?? 0,
              relaxedAccepts: examined.filter((e) => e.relaxed).length,
              ...(this.relaxedNote ? { unavailable: this.relaxedNote } : {}),
            },
          }
        : {}),
    };
    const ev: StrategyEvent<'spec'> = { type: 'strategy', kind: 'spec', position: step, data };
    const emitted: Emitted[] = [ev];
    emittedTokens.forEach((id, i) => {
      const source: TokenSource = i < path.length ? 'draft-accepted' : nextKind === 'bonus' ? 'bonus' : 'residual-sample';
      const te: TokenEvent = tokenEventFromStep(rowResults[i], { index: this.index++, position: step + i, step, source }, text);
      emitted.push(te);
    });
    this.ctx.push(...emittedTokens);
    return { emitted, outcome: { tokens: emittedTokens, accepted: path.length, rows, vocab: V, tree } };
  }
}

/** verifyChain's acceptance uniforms for a K-draft chain, indexed by tree node id (node i + 1 = draft i). */
function chainUniforms(seed: number, step: number, K: number): number[] {
  return [NaN, ...Array.from({ length: K }, (_, i) => uniform(seed, step, purposeWord('accept', 0), i))];
}
