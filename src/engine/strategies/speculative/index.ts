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
import { CpuKernels } from '../../kernels/cpu/cpu-kernels.ts';
import { hasVerifyTree, type RelaxedAcceptance, type TreeKernels } from '../../kernels/types.ts';
import type { Emitted, Strategy, StrategyContext } from '../types.ts';
import { DraftTree } from './draft-tree.ts';
import { DraftModel, SuccessorTable, promptLookup } from './drafts.ts';
import { loadNeighbors } from './neighbors.ts';
import { SpecSession } from './session.ts';
import type { StepExtras } from './step-events.ts';

interface Setup {
  /** Verification goes through verifyTree (else verifyChain on the backend's kernels). */
  tree: boolean | ((c: DecodeConfig) => boolean);
  draft: boolean;
}

/** Where tree verification runs: the backend's kernels when they have the method, unless relaxed acceptance (CPU only) is asked for. */
function treeKernels(run: StrategyContext, relaxed: boolean): TreeKernels {
  const k = run.kernels;
  if (!relaxed && hasVerifyTree(k)) return k;
  return k instanceof CpuKernels ? k : run.timeKernels(new CpuKernels());
}

function speculative(
  method: string,
  setup: Setup,
  loop: (s: SpecSession, draft: DraftModel | undefined) => AsyncGenerator<Emitted[], void, void>,
): Strategy {
  return (run: StrategyContext) =>
    (async function* () {
      let relaxed: RelaxedAcceptance | undefined;
      let note: string | undefined;
      if (run.config.relaxed_acceptance) {
        const nb = await loadNeighbors(run.target.info.id);
        if (nb && nb.vocab === run.target.info.vocabSize) {
          relaxed = { neighbors: nb.neighbors, width: nb.width, k: Math.min(run.config.relaxed_neighbors, nb.width + 1), delta: run.config.relaxed_delta };
        } else {
          note = `no neighbors.json for ${run.target.info.id}: exact acceptance`;
        }
      }
      const tree = typeof setup.tree === 'function' ? setup.tree(run.config) : setup.tree;
      const kernels = tree || relaxed ? treeKernels(run, relaxed !== undefined) : run.kernels;
      if (setup.draft && !run.draft) throw new Error(`${method} needs a draft model`);
      const s = new SpecSession(run, method, kernels, relaxed, note);
      let draft: DraftModel | undefined;
      try {
        draft = setup.draft ? new DraftModel(run.draft!, s, run.timeDraftKernels(kernels)) : undefined;
        yield* loop(s, draft);
      } finally {
        draft?.dispose();
        s.dispose();
      }
    })();
}

/** One draft-model step: draft a tree, verify it, then bring the draft's cache back to the committed tokens. */
async function draftModelStep(
  s: SpecSession,
  draft: DraftModel,
  propose: () => Promise<{ tree: DraftTree } & Omit<StepExtras, 'draftForwards'>>,
): Promise<Emitted[]> {
  const forwardsBefore = draft.forwards;
  const { tree, ...extras } = await propose();
  const emitted = await s.verify(tree, { draftForwards: draft.forwards - forwardsBefore, ...extras });
  draft.rollback();
  return emitted;
}

export const specChain: Strategy = speculative('spec-chain', { tree: false, draft: true }, async function* (s, draft) {
  const c = s.run.config;
  while (s.run.remaining() > 0) {
    yield await draftModelStep(s, draft!, async () => {
      const { tree, stop } = await draft!.chain(s.draftRoom(c.num_draft_tokens));
      return { tree, stop };
    });
  }
});

export const specAdaptive: Strategy = speculative('spec-adaptive', { tree: (c) => c.adaptive_tree, draft: true }, async function* (s, draft) {
  const c = s.run.config;
  while (c.adaptive_tree && s.run.remaining() > 0) {
    // DySpec-style: grow a tree where the draft path probability stays >= draft_confidence.
    yield await draftModelStep(s, draft!, async () => ({
      tree: await draft!.tree(c.tree_width, s.draftRoom(c.num_draft_tokens), true, { threshold: c.draft_confidence }),
      stop: 'confidence',
    }));
  }
  while (s.run.remaining() > 0) {
    yield await draftModelStep(s, draft!, () => draft!.chain(s.draftRoom(c.num_draft_tokens), c.draft_confidence));
  }
});

function treeLoop(withoutReplacement: boolean) {
  return async function* (s: SpecSession, draft: DraftModel | undefined): AsyncGenerator<Emitted[], void, void> {
    const c = s.run.config;
    while (s.run.remaining() > 0) {
      yield await draftModelStep(s, draft!, async () => ({ tree: await draft!.tree(c.tree_width, s.draftRoom(c.tree_depth), withoutReplacement) }));
    }
  };
}

export const specTree: Strategy = speculative('spec-tree', { tree: true, draft: true }, treeLoop(false));
export const specRsd: Strategy = speculative('spec-rsd', { tree: true, draft: true }, treeLoop(true));

export const promptLookupStrategy: Strategy = speculative('prompt-lookup', { tree: true, draft: false }, async function* (s) {
  const c = s.run.config;
  while (s.run.remaining() > 0) {
    const m = promptLookup(s.committed, c.ngram_size, s.draftRoom(c.num_draft_tokens));
    const tree = new DraftTree(s.lastToken, 'deterministic');
    for (const x of m?.tokens ?? []) tree.add(tree.size - 1, x);
    const emitted = await s.verify(tree, {
      draftForwards: 0,
      ...(m ? { lookup: { ngram: m.ngram, from: m.from } } : { stop: 'no-match' as const }),
    });
    yield emitted;
  }
});

export const recycling: Strategy = speculative('recycling', { tree: true, draft: false }, async function* (s) {
  const c = s.run.config;
  const table = new SuccessorTable(s.vocab, c.recycling_successors);
  let extra = 0;
  // Seed the table from the prompt: one target pass over all prompt tokens but the last.
  if (s.committed.length > 1) {
    const head = s.committed.slice(0, -1);
    const logits = await s.run.target.forwardLogits(s.targetSeq, [head]);
    try {
      const tops = await s.rowTopIds(logits, head.map((_, i) => i), table.k);
      head.forEach((token, i) => table.set(token, tops[i]));
    } finally {
      s.kernels.dispose(logits);
    }
    extra = 1;
  }
  while (s.run.remaining() > 0) {
    const tree = table.draftTree(s.lastToken, c.tree_width, s.draftRoom(c.tree_depth));
    const nodes = Array.from({ length: tree.size }, (_, j) => j).filter((j) => tree.same[j] === j);
    const emitted = await s.verify(
      tree,
      { draftForwards: 0, extraTargetForwards: extra, ...(tree.size === 1 ? { stop: 'table-empty' as const } : {}) },
      async (rows) => {
        const tops = await s.rowTopIds(rows, nodes, table.k);
        nodes.forEach((j, i) => table.set(tree.tokens[j], tops[i]));
      },
    );
    extra = 0;
    yield emitted;
  }
});
