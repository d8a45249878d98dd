/**
 * The speculative strategies. Every one drafts, verifies with one target pass, rolls the KV caches
 * back to the accepted prefix and emits a 'spec' event then the committed tokens:
 * - spec-chain     K draft-model tokens, chain rule (verifyChain); greedy at temperature 0.
 * - spec-tree      draft-model tree, i.i.d. children, SpecInfer recursive rejection over siblings.
 * - spec-rsd       draft-model tree, children without replacement (Gumbel-top-k), RSD rule.
 * - spec-adaptive  chain that stops drafting when the draft's top-1 probability < draft_confidence
 *                  (SpecDec++-style); with adaptive_tree, a DySpec-style tree grown where the draft
 *                  path probability stays >= draft_confidence (children without replacement, RSD rule).
 * - prompt-lookup  no draft model: the continuation of an earlier n-gram match, one-hot drafts.
 * - recycling      no draft model: Token Recycling's successor table, BFS tree, one-hot drafts.
 * relaxed_acceptance switches any of them to LANTERN-style relaxed (lossy) acceptance.
 */
import type { DecodeConfig } from '../../config/params.ts';
import type { RelaxedAcceptance } from '../../kernels/types.ts';
import type { Emitted, Strategy, StrategyContext } from '../types.ts';
import { DraftModel, SuccessorTable, promptLookup } from './drafts.ts';
import { loadNeighbors } from './neighbors.ts';
import { DraftTree, SpecSession, treeKernels } from './session.ts';

interface Setup {
  /** Verification goes through verifyTree (else verifyChain on the backend's kernels). */
  tree: boolean | ((c: DecodeConfig) => boolean);
  /** Needs a CPU-only extension of verifyTree (one-hot drafts). */
  cpuExtension: boolean;
  draft: boolean;
}

function speculative(
  method: string,
  setup: Setup,
  loop: (s: SpecSession, draft: DraftModel | undefined) => AsyncGenerator<Emitted[], void, void>,
): Strategy {
  return (sc: StrategyContext) =>
    (async function* () {
      let relaxed: RelaxedAcceptance | undefined;
      let note: string | undefined;
      if (sc.config.relaxed_acceptance) {
        const nb = await loadNeighbors(sc.target.info.id);
        if (nb && nb.vocab === sc.target.info.vocabSize) {
          relaxed = { neighbors: nb.neighbors, width: nb.width, k: Math.min(sc.config.relaxed_neighbors, nb.width + 1), delta: sc.config.relaxed_delta };
        } else {
          note = `no neighbors.json for ${sc.target.info.id}: exact acceptance`;
        }
      }
      const tree = typeof setup.tree === 'function' ? setup.tree(sc.config) : setup.tree;
      const kernels = tree || relaxed ? treeKernels(sc.kernels, setup.cpuExtension || relaxed !== undefined) : sc.kernels;
      if (setup.draft && !sc.draft) throw new Error(`${method} needs a draft model`);
      const s = new SpecSession(sc, method, kernels, relaxed, note);
      let draft: DraftModel | undefined;
      try {
        draft = setup.draft ? new DraftModel(sc.draft!, s, kernels) : undefined;
        yield* loop(s, draft);
      } finally {
        draft?.dispose();
        s.dispose();
      }
    })();
}

export const specChain: Strategy = speculative('spec-chain', { tree: false, cpuExtension: false, draft: true }, async function* (s, draft) {
  while (s.sc.remaining() > 0) {
    const f0 = draft!.forwards;
    const { tree, stop } = await draft!.chain(s.draftRoom(s.sc.config.num_draft_tokens));
    const { emitted } = await s.verify(tree, { draftForwards: draft!.forwards - f0, stop });
    draft!.rollback();
    yield emitted;
  }
});

export const specAdaptive: Strategy = speculative('spec-adaptive', { tree: (c) => c.adaptive_tree, cpuExtension: false, draft: true }, async function* (s, draft) {
  const c = s.sc.config;
  while (c.adaptive_tree && s.sc.remaining() > 0) {
    // DySpec-style: grow a tree where the draft path probability stays >= draft_confidence.
    const f0 = draft!.forwards;
    const tree = await draft!.tree(c.tree_width, s.draftRoom(c.num_draft_tokens), true, { threshold: c.draft_confidence });
    const { emitted } = await s.verify(tree, { draftForwards: draft!.forwards - f0, stop: 'confidence' });
    draft!.rollback();
    yield emitted;
  }
  while (s.sc.remaining() > 0) {
    const f0 = draft!.forwards;
    const { tree, stop, confidence } = await draft!.chain(s.draftRoom(s.sc.config.num_draft_tokens), s.sc.config.draft_confidence);
    const { emitted } = await s.verify(tree, { draftForwards: draft!.forwards - f0, stop, confidence });
    draft!.rollback();
    yield emitted;
  }
});

function treeLoop(withoutReplacement: boolean) {
  return async function* (s: SpecSession, draft: DraftModel | undefined): AsyncGenerator<Emitted[], void, void> {
    while (s.sc.remaining() > 0) {
      const f0 = draft!.forwards;
      const tree = await draft!.tree(s.sc.config.tree_width, s.draftRoom(s.sc.config.tree_depth), withoutReplacement);
      const { emitted } = await s.verify(tree, { draftForwards: draft!.forwards - f0 });
      draft!.rollback();
      yield emitted;
    }
  };
}

export const specTree: Strategy = speculative('spec-tree', { tree: true, cpuExtension: false, draft: true }, treeLoop(false));
export const specRsd: Strategy = speculative('spec-rsd', { tree: true, cpuExtension: false, draft: true }, treeLoop(true));

export const promptLookupStrategy: Strategy = speculative('prompt-lookup', { tree: true, cpuExtension: true, draft: false }, async function* (s) {
  while (s.sc.remaining() > 0) {
    const m = promptLookup(s.ctx, s.sc.config.ngram_size, s.draftRoom(s.sc.config.num_draft_tokens));
    const tree = new DraftTree(s.ctx[s.ctx.length - 1], 'deterministic');
    for (const x of m?.tokens ?? []) tree.add(tree.size - 1, x);
    const { emitted } = await s.verify(tree, {
      draftForwards: 0,
      ...(m ? { lookup: { ngram: m.ngram, from: m.from } } : { stop: 'no-match' as const }),
    });
    yield emitted;
  }
});

export const recycling: Strategy = speculative('recycling', { tree: true, cpuExtension: true, draft: false }, async function* (s) {
  const V = s.vocab;
  const table = new SuccessorTable(V, s.sc.config.recycling_successors);
  let extra = 0;
  // Seed the table from the prompt: one target pass over all prompt tokens but the last.
  if (s.ctx.length > 1) {
    const head = s.ctx.slice(0, -1);
    const out = await s.sc.target.forward(s.tseq, [head]);
    for (let i = 0; i < head.length; i++) table.update(head[i], out.logits, i * V);
    extra = 1;
  }
  while (s.sc.remaining() > 0) {
    const tree = table.draftTree(s.ctx[s.ctx.length - 1], s.sc.config.tree_width, s.draftRoom(s.sc.config.tree_depth));
    const { emitted, outcome } = await s.verify(tree, {
      draftForwards: 0,
      extraTargetForwards: extra,
      ...(tree.size === 1 ? { stop: 'table-empty' as const } : {}),
    });
    extra = 0;
    for (let j = 0; j < tree.size; j++) if (tree.same[j] === j) table.update(tree.tokens[j], outcome.rows, j * V);
    yield emitted;
  }
});
