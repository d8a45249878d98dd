/** Pure helpers for the speculative view: per-position acceptance, running stats, tree layout input. */
import type { DraftNode, SpecStepData } from '../../engine/trace/strategy-events.ts';

/**
 * Acceptance rate by draft position (depth 1 = the first drafted token): of the steps whose
 * verification reached that depth, the share that accepted a token there. Uses the step's
 * `depths` record when present, else infers it from the drafted depth and the accepted count.
 */
export function acceptanceByPosition(steps: readonly SpecStepData[]): { position: number; drafted: number; accepted: number; rate: number }[] {
  const drafted: number[] = [];
  const accepted: number[] = [];
  for (const s of steps) {
    if (s.depths) {
      s.depths.forEach((d, i) => {
        if (!d.reached) return;
        drafted[i + 1] = (drafted[i + 1] ?? 0) + 1;
        if (d.accepted) accepted[i + 1] = (accepted[i + 1] ?? 0) + 1;
      });
      continue;
    }
    const maxDepth = Math.min(s.nodes.reduce((m, n) => Math.max(m, n.depth), 0), s.accepted + 1);
    for (let d = 1; d <= maxDepth; d++) {
      drafted[d] = (drafted[d] ?? 0) + 1;
      if (s.accepted >= d) accepted[d] = (accepted[d] ?? 0) + 1;
    }
  }
  const out = [];
  for (let d = 1; d < drafted.length; d++) {
    if (!drafted[d]) continue;
    out.push({ position: d, drafted: drafted[d], accepted: accepted[d] ?? 0, rate: (accepted[d] ?? 0) / drafted[d] });
  }
  return out;
}

export interface SpecStats {
  steps: number;
  meanAccepted: number;
  /** Tokens emitted per verification step (accepted + the residual or bonus token). */
  tokensPerStep: number;
  targetForwardsPerToken: number;
  draftForwards: number;
}

export function specStats(steps: readonly SpecStepData[]): SpecStats {
  const n = steps.length;
  if (!n) return { steps: 0, meanAccepted: 0, tokensPerStep: 0, targetForwardsPerToken: 0, draftForwards: 0 };
  const accepted = steps.reduce((s, x) => s + x.accepted, 0);
  const tokens = accepted + n;
  const tf = steps.reduce((s, x) => s + x.targetForwards, 0);
  return {
    steps: n,
    meanAccepted: accepted / n,
    tokensPerStep: tokens / n,
    targetForwardsPerToken: tf / tokens,
    draftForwards: steps.reduce((s, x) => s + x.draftForwards, 0),
  };
}

export interface TreeDatum {
  id: number;
  text: string;
  p: number;
  q: number;
  status: DraftNode['status'] | 'root';
  children: TreeDatum[];
}

/** The draft nodes as a hierarchy under a root (the last committed token). */
export function draftTree(step: SpecStepData): TreeDatum {
  const root: TreeDatum = { id: -1, text: '', p: 1, q: 1, status: 'root', children: [] };
  const byId = new Map<number, TreeDatum>([[-1, root]]);
  const nodes = [...step.nodes].sort((a, b) => a.depth - b.depth);
  for (const n of nodes) byId.set(n.id, { id: n.id, text: n.text, p: n.p, q: n.q, status: n.status, children: [] });
  for (const n of nodes) (byId.get(n.parent) ?? root).children.push(byId.get(n.id)!);
  return root;
}
