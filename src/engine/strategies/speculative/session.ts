/**
 * The draft/verify loop shared by every speculative strategy: the committed tokens, the target's
 * KV cache, and one verification step per draft tree (SpecSession.verify): plan the target rows,
 * run one target pass (one row through the target's tree mask when it has one, else a batch of
 * root-to-leaf rows), verify (verifyChain for plain chains, verifyTree otherwise),
 * describe the emitted tokens and the nodes, roll the target KV back to the accepted prefix, and
 * build the trace (a 'spec' strategy event per step, then one token event per emitted token).
 *
 * Invariants: `committed` holds every committed token (prompt + emitted); the target KV holds a
 * prefix of it and the rest (at least the last token) is fed in front of the drafts at the next
 * pass. Verification draws are keyed by (seed, step = position of the first drafted token,
 * purpose, node id), so a rejected draft never shifts a later draw.
 */
import type {
  Kernels,
  Logits,
  ProbsRef,
  ProcessorConfig,
  RelaxedAcceptance,
  StepRowResult,
  TreeKernels,
} from '../../kernels/types.ts';
import type { Sequence } from '../../model/runner.ts';
import { purposeWord, uniform } from '../../rng.ts';
import { processorConfig } from '../processor-config.ts';
import { isGreedy, topKIds } from '../tokens.ts';
import { DISPLAY_TOP_K } from '../sampling.ts';
import type { Emitted, StrategyContext } from '../types.ts';
import type { DraftTree, MaskedRow, TargetRows } from './draft-tree.ts';
import { specStepEvents, type StepExtras, type Verdict } from './step-events.ts';

/** One verification pass: the target rows (see DraftTree.targetRows), and which verifier on which logits. */
interface VerifyPlan extends TargetRows {
  /** Position of the first drafted token: the step key of every draw. */
  step: number;
  /** verifyChain applies (a plain i.i.d. chain, exact acceptance); otherwise verifyTree. */
  chainRule: boolean;
  /** On the WebGPU kernels a chain stays on the GPU: the verifier reads ORT's logits in place. */
  gpuChain: boolean;
  /** A branching tree on a target with a tree mask: one row instead of `rows`. */
  masked?: MaskedRow;
}


/** A token to describe with a forced kernels step: on the target row of `row`, after `contextIds`. */
interface ForcedRow {
  row: number;
  token: number;
  contextIds: number[];
}

export class SpecSession {
  /** Every committed token: the prompt, then what the steps emitted. */
  readonly committed: number[];
  readonly targetSeq: Sequence;
  readonly processors: ProcessorConfig;
  readonly greedy: boolean;
  readonly vocab: number;
  /** Index of the next token event. */
  private tokenIndex = 0;

  constructor(
    /** The run this session decodes for: config, models, kernels, prompt and budget. */
    readonly run: StrategyContext,
    readonly method: string,
    /** Kernels for drafting and verification (may be the CPU kernels, see treeKernels). */
    readonly kernels: Kernels,
    readonly relaxed?: RelaxedAcceptance,
    readonly relaxedNote?: string,
  ) {
    this.committed = run.promptIds.slice();
    this.targetSeq = run.target.newSequence(1);
    this.processors = processorConfig(run.config);
    this.greedy = isGreedy(run.config);
    this.vocab = run.target.info.vocabSize;
  }

  /** Position of the next token to emit (the step key of the next verification). */
  get position(): number {
    return this.committed.length;
  }

  /** The last committed token: the root of the next draft tree. */
  get lastToken(): number {
    return this.committed[this.committed.length - 1];
  }

  /** The context a node's children are drawn and verified in: the committed tokens, then the node's path. */
  contextAt(tree: DraftTree, node: number): number[] {
    return [...this.committed, ...tree.path(node)];
  }

  /** Drafts the budget allows: tokens still to emit minus the one the target adds, and context room. */
  draftRoom(want: number): number {
    const room = Math.min(this.run.remaining() - 1, this.run.target.info.maxPositions - this.committed.length);
    return Math.max(0, Math.min(want, room));
  }

  dispose(): void {
    this.targetSeq.dispose();
  }

  /**
   * One verification step over the tree; returns the events it emitted. `inspect` sees the
   * target logits, one row per node, before they are freed (Token Recycling's table reads them).
   */
  async verify(tree: DraftTree, extras: StepExtras, inspect?: (rows: Logits) => Promise<void>): Promise<Emitted[]> {
    const plan = this.plan(tree);
    const logits = await this.targetPass(tree, plan);
    let verdict: Verdict;
    let tokens: number[];
    let described: { rowResults: StepRowResult[]; nodeP: number[] };
    try {
      verdict = await this.runVerifier(tree, plan, logits);
      tokens = [...verdict.path.map((j) => tree.tokens[j]), verdict.nextToken];
      described = await this.describe(tree, plan, verdict, tokens, logits);
      await inspect?.(logits);
    } finally {
      // The GPU chain's logits are the runner's own buffer (valid until its next forward).
      if (!plan.gpuChain) this.kernels.dispose(logits);
    }
    const { rowResults, nodeP } = described;
    this.rollback(tree, plan, verdict.path);
    const emitted = specStepEvents(this, { tree, step: plan.step, verdict, nodeP, rowResults, tokens, extras, firstIndex: this.tokenIndex });
    this.tokenIndex += tokens.length;
    this.committed.push(...tokens);
    return emitted;
  }

  /**
   * The raw top-k ids (best first, ties to the lower id) of some rows of `logits`: read in place
   * by the CPU kernels, else from a kernels step on those rows (only the lists come back).
   */
  async rowTopIds(logits: Logits, rows: number[], k: number): Promise<number[][]> {
    if (logits.kind === 'cpu' && this.kernels.backend === 'cpu') return rows.map((r) => topKIds(logits.data, r * logits.vocab, logits.vocab, k));
    const g = await this.kernels.gatherRows(logits, rows);
    this.run.countReadBack(g.bytesReadBack);
    try {
      const res = await this.kernels.step(g.logits, { rows: rows.map(() => ({ config: {}, choose: 'none' as const, seed: 0, step: 0 })), topK: k });
      this.run.countReadBack(res.bytesReadBack);
      return res.rows.map((r) => r.rawTop.ids);
    } finally {
      this.kernels.dispose(g.logits);
    }
  }

  /** What to verify: the target rows, and which verifier on which logits. */
  private plan(tree: DraftTree): VerifyPlan {
    const pending = this.committed.slice(this.targetSeq.length);
    const { rows, keep, rowOf } = tree.targetRows(pending);
    const chainRule = tree.mode === 'iid' && tree.isChain() && !this.relaxed;
    const gpuChain = this.kernels.backend === 'webgpu' && rows.length === 1 && chainRule;
    const masked = rows.length > 1 && this.run.target.supportsTreeMask ? tree.maskedRow(pending) : undefined;
    return { step: this.position, rows, keep, rowOf, chainRule, gpuChain, masked };
  }

  /**
   * The target pass: the tree as one row through the target's tree mask (each node sees the past
   * and its ancestors) when it has one, else a batch of root-to-leaf rows. A GPU chain's one row
   * holds the nodes' logits in order and stays in place; otherwise the kernels gather one row per
   * node (duplicates share the first copy's row), on the GPU when the logits are there.
   */
  private async targetPass(tree: DraftTree, plan: VerifyPlan): Promise<Logits> {
    const m = plan.masked;
    if (!m && plan.rows.length > 1) this.targetSeq.gatherRows(new Array(plan.rows.length).fill(0));
    const out = m ? await this.targetLogits([m.tokens], m.keep, m.parents) : await this.targetLogits(plan.rows, plan.keep);
    if (plan.gpuChain) return out;
    const first = m ? m.tokens.length - m.keep : 0;
    const rowOfNode = (j: number) => (m ? m.indexOf[j] - first : j === 0 ? 0 : plan.rowOf[tree.same[j]] * plan.keep + tree.depth[j]);
    try {
      const gathered = await this.kernels.gatherRows(out, Array.from({ length: tree.size }, (_, j) => rowOfNode(j)));
      this.run.countReadBack(gathered.bytesReadBack);
      return gathered.logits;
    } finally {
      this.kernels.dispose(out);
    }
  }

  /**
   * The target's logits where the verifier's kernels read them: in place, unless the logits stay
   * on the GPU and verification runs on the CPU kernels (an extension only they have), which
   * need the rows in JavaScript (read back, counted).
   */
  private async targetLogits(rows: number[][], keep: number, parents?: readonly number[]): Promise<Logits> {
    const { target } = this.run;
    if (this.kernels.backend === 'webgpu' || !target.logitsOnGpu) return target.forwardLogits(this.targetSeq, rows, keep, parents);
    const out = await target.readLogits(this.targetSeq, rows, keep, parents);
    this.run.countReadBack(out.bytesReadBack);
    return this.kernels.createLogits(out.logits, out.rows, out.vocab);
  }

  /** verifyChain or verifyTree on the target logits, the answer in node ids. */
  private async runVerifier(tree: DraftTree, plan: VerifyPlan, logits: Logits): Promise<Verdict> {
    const { seed } = this.run.config;
    const N = tree.size;
    const common = { config: this.processors, contextIds: this.committed, greedy: this.greedy, seed, step: plan.step, topK: DISPLAY_TOP_K };
    if (plan.chainRule) {
      const res = await this.kernels.verifyChain({ ...common, target: logits, q: tree.q.slice(0, N - 1) as ProbsRef[], draftTokens: tree.tokens.slice(1) });
      this.run.countReadBack(res.bytesReadBack);
      return {
        path: Array.from({ length: res.accepted }, (_, i) => i + 1),
        nextToken: res.nextToken,
        nextKind: res.nextKind,
        examined: res.positions.map((p, i) => ({ node: i + 1, accepted: p.accepted, u: p.u, p: p.p })),
        residualTop: res.residualTop,
        choices: res.choices,
        stats: res.targetStats,
        nodeP: res.draftP && [NaN, ...res.draftP],
      };
    }
    const res = await (this.kernels as TreeKernels).verifyTree({
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
      uniforms: tree.isChain() && !this.greedy ? chainUniforms(seed, plan.step, N - 1) : undefined,
    });
    this.run.countReadBack(res.bytesReadBack);
    return {
      path: res.path,
      nextToken: res.nextToken,
      nextKind: res.nextKind,
      examined: res.examined,
      residualTop: res.residualTop,
      choices: res.choices,
      stats: res.targetStats,
      nodeP: res.nodeP,
      drift: res.relaxedDrift,
    };
  }

  /**
   * Describes every emitted token on its row (unless the verifier did) and fills the target
   * probability of the drafts the verifier did not report, with forced kernels steps on the target
   * logits (the GPU chain's logits in place, else the rows gathered per node).
   */
  private async describe(
    tree: DraftTree,
    plan: VerifyPlan,
    verdict: Verdict,
    tokens: number[],
    logits: Logits,
  ): Promise<{ rowResults: StepRowResult[]; nodeP: number[] }> {
    const N = tree.size;
    const emittedRows = [0, ...verdict.path];
    const nodeP = verdict.nodeP ?? new Array<number>(N).fill(NaN);
    // A chain tests each draft against the target's p itself; a tree tests later siblings against
    // a residual, so there only the forced steps below give a node's p.
    if (plan.chainRule) for (const e of verdict.examined) if (Number.isNaN(nodeP[e.node])) nodeP[e.node] = e.p;
    const forced: ForcedRow[] = [];
    if (!verdict.choices) {
      emittedRows.forEach((r, i) => forced.push({ row: r, token: tokens[i], contextIds: this.contextAt(tree, r) }));
    }
    const needP: number[] = [];
    for (let j = 1; j < N; j++) if (Number.isNaN(nodeP[j]) && tree.same[j] === j) needP.push(j);
    for (const j of needP) forced.push({ row: tree.parents[j], token: tree.tokens[j], contextIds: this.contextAt(tree, tree.parents[j]) });
    let described: StepRowResult[] = [];
    if (forced.length) {
      described = plan.gpuChain ? await this.forceOnChain(forced, logits, N, plan.step) : await this.forceOnRows(forced, logits, plan.step);
    }
    const firstNeedP = verdict.choices ? 0 : emittedRows.length;
    needP.forEach((j, i) => (nodeP[j] = described[firstNeedP + i].choice!.processedProb));
    const choices = verdict.choices;
    const rowResults = choices ? emittedRows.map((_, i) => ({ ...verdict.stats[i], choice: choices[i] })) : described.slice(0, emittedRows.length);
    return { rowResults, nodeP };
  }

  /** Forced steps on the GPU chain's logits: one request per chain row (in a chain no row needs two). */
  private async forceOnChain(forced: ForcedRow[], logits: Logits, N: number, step: number): Promise<StepRowResult[]> {
    const { seed } = this.run.config;
    const want = new Map<number, ForcedRow>();
    for (const f of forced) if (!want.has(f.row)) want.set(f.row, f);
    const res = await this.kernels.step(logits, {
      rows: Array.from({ length: N }, (_, r) => {
        const f = want.get(r);
        return f
          ? { config: this.processors, contextIds: f.contextIds, choose: 'force' as const, forceToken: f.token, seed, step }
          : { config: this.processors, choose: 'none' as const, seed, step };
      }),
      topK: DISPLAY_TOP_K,
    });
    this.run.countReadBack(res.bytesReadBack);
    return forced.map((f) => res.rows[f.row]);
  }

  /** Forced steps on copies of the node rows, one per request (a row may need two). */
  private async forceOnRows(forced: ForcedRow[], rows: Logits, step: number): Promise<StepRowResult[]> {
    const { seed } = this.run.config;
    const gathered = await this.kernels.gatherRows(rows, forced.map((f) => f.row));
    this.run.countReadBack(gathered.bytesReadBack);
    try {
      const res = await this.kernels.step(gathered.logits, {
        rows: forced.map((f) => ({ config: this.processors, contextIds: f.contextIds, choose: 'force' as const, forceToken: f.token, seed, step })),
        topK: DISPLAY_TOP_K,
      });
      this.run.countReadBack(res.bytesReadBack);
      return res.rows;
    } finally {
      this.kernels.dispose(gathered.logits);
    }
  }

  /** Rolls the target back to the accepted prefix (keeping the row whose path holds it) and frees the tree's draft distributions. */
  private rollback(tree: DraftTree, plan: VerifyPlan, path: number[]): void {
    const deepest = path.length ? path[path.length - 1] : 0;
    if (plan.masked) {
      // The masked row holds every node: keep the committed prefix and the accepted path's entries.
      const past = plan.step - (plan.masked.tokens.length - plan.masked.keep + 1);
      const { indexOf } = plan.masked;
      this.targetSeq.keepPositions([...Array.from({ length: plan.step }, (_, i) => i), ...path.map((j) => past + indexOf[j])]);
    } else if (plan.rows.length > 1) this.targetSeq.gatherRows([plan.rowOf[tree.same[deepest]]]);
    this.targetSeq.truncate(plan.step + path.length);
    for (const h of tree.handles) this.kernels.dispose(h);
    tree.handles = [];
  }
}

/** verifyChain's acceptance uniforms for a K-draft chain, indexed by tree node id (node i + 1 = draft i). */
function chainUniforms(seed: number, step: number, K: number): number[] {
  return [NaN, ...Array.from({ length: K }, (_, i) => uniform(seed, step, purposeWord('accept', 0), i))];
}
