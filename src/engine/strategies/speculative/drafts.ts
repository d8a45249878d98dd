/**
 * Draft proposers: the draft model as a chain (optionally stopping when it is unsure) or as a tree
 * (i.i.d. children, or children without replacement by Gumbel-top-k), prompt lookup (n-gram match
 * in the context) and Token Recycling's successor table.
 *
 * RNG keys of draft-model draws (all at step = position of the first drafted token, so a later
 * step never reuses them): chain token i is the kernels' Gumbel-max with purpose 'sample', sub
 * 1 + i; a tree child that will get node id c is an inverse-CDF draw from q with
 * uniform(seed, step, purposeWord('draft', c), 0) (i.i.d. children); the k-th child of node n
 * without replacement is an inverse-CDF draw from q minus the earlier children, renormalized, with
 * uniform(seed, step, purposeWord('draft', n), k) (sequential sampling without replacement: the
 * same distribution as Gumbel-top-k, at one hash per child).
 */
import { purposeWord, uniform } from '../../rng.ts';
import type { Kernels, Logits } from '../../kernels/types.ts';
import { MAX_TOP_K } from '../../kernels/limits.ts';
import type { ModelRunner, Sequence } from '../../model/runner.ts';
import { DraftTree, TREE_LEVEL_CAP, TREE_NODE_BUDGET } from './draft-tree.ts';
import type { SpecSession } from './session.ts';

/** The draft model's sequence, kept in step with the committed context. */
export class DraftModel {
  readonly seq: Sequence;
  forwards = 0;
  constructor(
    readonly model: ModelRunner,
    readonly session: SpecSession,
    readonly kernels: Kernels,
  ) {
    if (model.info.vocabSize !== session.vocab) {
      throw new Error(`draft vocabulary (${model.info.vocabSize}) differs from the target's (${session.vocab}): speculative decoding needs one shared tokenizer`);
    }
    this.seq = model.newSequence(1);
  }

  dispose(): void {
    this.seq.dispose();
  }

  /** After verification: keep only committed tokens the draft has already seen. */
  rollback(): void {
    if (this.seq.rows > 1) this.seq.gatherRows([0]);
    let keep = 0;
    const committed = this.session.committed;
    const seen = this.seq.tokens(0);
    while (keep < seen.length && keep < committed.length && seen[keep] === committed[keep]) keep++;
    this.seq.truncate(Math.min(keep, committed.length - 1));
  }

  /** The draft's next-token logits where the kernels read them (on WebGPU they stay on the GPU). */
  private async forward(tokens: number[][]): Promise<Logits> {
    this.forwards++;
    return this.model.forwardLogits(this.seq, tokens, 1);
  }

  /**
   * A chain of up to K drafts. With `minConfidence`, drafting stops before a position whose top-1
   * draft probability is below it (raw distribution at temperature 0, else the processed one).
   */
  async chain(K: number, minConfidence?: number): Promise<{ tree: DraftTree; confidence: number[]; stop: 'confidence' | 'max' | 'budget' }> {
    const s = this.session;
    const tree = new DraftTree(s.lastToken, 'iid');
    const confidence: number[] = [];
    const step = s.position;
    let input = s.committed.slice(this.seq.length);
    let stop: 'confidence' | 'max' | 'budget' = K < s.run.config.num_draft_tokens ? 'budget' : 'max';
    for (let i = 0; i < K; i++) {
      const logits = await this.forward([input]);
      try {
        const res = await this.kernels.step(logits, {
          // Greedy confidence reads the raw top-1, so only sampled drafts are lean.
          rows: [{ config: s.processors, contextIds: s.contextAt(tree, tree.size - 1), choose: 'sample', seed: s.run.config.seed, step, sub: 1 + i, lean: !s.greedy }],
          keepProcessed: true,
          topK: 1,
        });
        s.run.countReadBack(res.bytesReadBack);
        const row = res.rows[0];
        const conf = (s.greedy ? row.rawTop : row.processedTop).probs[0] ?? 0;
        if (minConfidence !== undefined && conf < minConfidence) {
          this.kernels.dispose(res.processed!);
          stop = 'confidence';
          break;
        }
        confidence.push(conf);
        tree.handles.push(res.processed!);
        tree.q[tree.size - 1] = { probs: res.processed!, row: 0 };
        const x = row.choice!.token;
        tree.add(tree.size - 1, x, row.choice!.processedProb);
        input = [x];
      } finally {
        this.kernels.dispose(logits);
      }
    }
    return { tree, confidence, stop };
  }

  /**
   * A draft tree: `width` children per expanded node, up to `depth` levels, under the node budget;
   * at each level the most probable nodes (by draft path probability) are expanded. Children are
   * i.i.d. draws from q (duplicates share a target row and are not expanded) or, without
   * replacement, the Gumbel-top-k of q. At temperature 0 the children are the draft's top-w tokens.
   *
   * `dynamic` (DySpec-style growth, train-free): a node gets as many children (up to width) as
   * its distribution has tokens with pathProb(node) * q_(k) >= threshold (q_(k) = k-th largest
   * draft prob: decided from q before any draw, so drawing them without replacement and verifying
   * with the RSD rule stays lossless), and only nodes with pathProb >= threshold are expanded.
   * The tree thus grows where the draft's probability mass is, under the node budget.
   */
  async tree(width: number, depth: number, withoutReplacement: boolean, dynamic?: { threshold: number }): Promise<DraftTree> {
    const s = this.session;
    const tree = new DraftTree(s.lastToken, withoutReplacement ? 'without-replacement' : 'iid');
    const step = s.position;
    const seed = s.run.config.seed;
    if (depth < 1) return tree;
    const pathProb = [1];
    // Nodes whose draft distribution is computed, with their row in the draft batch.
    let expand = [0];
    let logits = await this.forward([s.committed.slice(this.seq.length)]);
    for (let d = 1; d <= depth; d++) {
      const res = await this.kernels.step(logits, {
        // Greedy trees rank by the raw distribution, so only sampled trees' rows are lean.
        rows: expand.map((n) => ({ config: s.processors, contextIds: s.contextAt(tree, n), choose: 'none' as const, seed, step, lean: !s.greedy })),
        keepProcessed: true,
        topK: Math.max(1, Math.min(MAX_TOP_K, width)),
      });
      s.run.countReadBack(res.bytesReadBack);
      tree.handles.push(res.processed!);
      // Children per expanded node, decided before any draw (the budget, and for dynamic trees the
      // draft's top probabilities), so the node ids, hence the i.i.d. draws' keys, are known.
      const plans: { n: number; r: number; count: number; first: number }[] = [];
      let size = tree.size;
      for (let r = 0; r < expand.length; r++) {
        const n = expand[r];
        tree.q[n] = { probs: res.processed!, row: r };
        const w = Math.min(width, TREE_NODE_BUDGET - (size - 1));
        if (w <= 0) break;
        // Greedy trees rank by the raw draft distribution, sampled ones by q (the processed one).
        const top = s.greedy ? res.rows[r].rawTop : res.rows[r].processedTop;
        let count = s.greedy ? Math.min(w, top.ids.length) : w;
        if (dynamic) {
          count = 0;
          while (count < Math.min(w, top.ids.length) && pathProb[n] * top.probs[count] >= dynamic.threshold) count++;
          if (count === 0) continue;
        }
        plans.push({ n, r, count, first: size });
        size += count;
      }
      // Sampled children are inverse-CDF draws from q on the kernels (only ids and q come back);
      // greedy ones are the raw top-w, with q one-hot (its processed top-1 entry is its only mass).
      const drawn = s.greedy
        ? undefined
        : await this.kernels.drawFromProbs(
            res.processed!,
            plans.map((p) => ({
              row: p.r,
              uniforms: Array.from({ length: p.count }, (_, j) =>
                withoutReplacement ? uniform(seed, step, purposeWord('draft', p.n), j) : uniform(seed, step, purposeWord('draft', p.first + j), 0),
              ),
              withoutReplacement,
            })),
          );
      if (drawn) s.run.countReadBack(drawn.bytesReadBack);
      const level: number[] = [];
      plans.forEach((p, i) => {
        const { rawTop, processedTop } = res.rows[p.r];
        const tokens = drawn ? drawn.draws[i].tokens : rawTop.ids.slice(0, p.count);
        tokens.forEach((x, k) => {
          const q = drawn ? drawn.draws[i].q[k] : processedTop.ids[0] === x ? processedTop.probs[0] : 0;
          const c = tree.add(p.n, x, q);
          pathProb[c] = pathProb[p.n] * (drawn ? q : rawTop.probs[k]);
          if (tree.same[c] === c) level.push(c);
        });
      });
      if (d === depth) break;
      const room = TREE_NODE_BUDGET - (tree.size - 1);
      const nExpand = Math.min(Math.floor(Math.min(TREE_LEVEL_CAP, room) / width), level.length);
      if (nExpand <= 0) break;
      const chosen = level
        .filter((c) => !dynamic || pathProb[c] >= dynamic.threshold)
        .sort((a, b) => pathProb[b] - pathProb[a] || a - b)
        .slice(0, nExpand);
      if (chosen.length === 0) break;
      const parentRow = new Map(expand.map((n, r) => [n, r]));
      this.seq.gatherRows(chosen.map((c) => parentRow.get(tree.parents[c])!));
      logits = await this.forward(chosen.map((c) => [tree.tokens[c]]));
      expand = chosen;
    }
    return tree;
  }
}

/**
 * Prompt lookup: the longest suffix of the context (n = ngramSize down to 1) that occurred earlier;
 * the tokens after its most recent earlier occurrence are the draft (a one-hot chain).
 */
export function promptLookup(ctx: readonly number[], ngramSize: number, K: number): { tokens: number[]; ngram: number; from: number } | null {
  const L = ctx.length;
  if (K <= 0) return null;
  for (let n = Math.min(ngramSize, L - 1); n >= 1; n--) {
    for (let i = L - n - 1; i >= 0; i--) {
      let ok = true;
      for (let t = 0; t < n; t++) {
        if (ctx[i + t] !== ctx[L - n + t]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const from = i + n;
      const tokens = ctx.slice(from, Math.min(from + K, L));
      if (tokens.length) return { tokens, ngram: n, from };
    }
  }
  return null;
}

/**
 * Token Recycling's adjacency matrix: for each token id, the top-k successor candidates of the
 * latest target pass that saw it (the target's raw top-k at that position).
 */
export class SuccessorTable {
  private readonly table: Int32Array;
  constructor(
    readonly vocab: number,
    readonly k: number,
  ) {
    this.table = new Int32Array(vocab * k).fill(-1);
  }

  successors(token: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.k; j++) {
      const v = this.table[token * this.k + j];
      if (v < 0) break;
      out.push(v);
    }
    return out;
  }

  /** Replaces the successors of `token` with `top` (the target's raw top-k ids after it, best first). */
  set(token: number, top: readonly number[]): void {
    const row = token * this.k;
    for (let j = 0; j < this.k; j++) this.table[row + j] = j < top.length ? top[j] : -1;
  }

  /** BFS from the root: each node's children are its successors (up to width), depth levels, under the budget. */
  draftTree(root: number, width: number, depth: number): DraftTree {
    const tree = new DraftTree(root, 'deterministic');
    let frontier = [0];
    for (let d = 1; d <= depth && frontier.length; d++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const x of this.successors(tree.tokens[n]).slice(0, width)) {
          if (tree.size - 1 >= TREE_NODE_BUDGET || next.length >= TREE_LEVEL_CAP) break;
          next.push(tree.add(n, x));
        }
      }
      frontier = next;
    }
    return tree;
  }
}
