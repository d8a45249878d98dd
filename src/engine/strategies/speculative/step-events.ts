/**
 * The trace of one verification step: a 'spec' strategy event (every draft node with its status,
 * the outcome, per-depth acceptance, relaxed acceptance's drift) then one token event per
 * emitted token.
 */
import type { Choice, RelaxedAcceptance, RowStats, StepRowResult, TopK } from '../../kernels/types.ts';
import { tokenEventFromStep, topEntries } from '../../trace/events.ts';
import type { DraftNode, SpecStepData } from '../../trace/strategy-events.ts';
import type { StrategyEvent, TokenSource } from '../../trace/types.ts';
import type { Emitted, StrategyContext } from '../types.ts';
import type { DraftTree } from './draft-tree.ts';

/** What the events need of the speculative session (kept narrow so session.ts alone imports this file). */
export interface SessionFacts {
  readonly run: Pick<StrategyContext, 'config' | 'target'>;
  readonly method: string;
  readonly greedy: boolean;
  readonly relaxed?: RelaxedAcceptance;
  readonly relaxedNote?: string;
}

/** The verifier's answer in node ids. */
export interface Verdict {
  /** Accepted nodes, root excluded, in order. */
  path: number[];
  nextToken: number;
  nextKind: 'residual' | 'bonus';
  /** Nodes the verifier tested, with their uniform and target probability. */
  examined: { node: number; accepted: boolean; u: number; p: number; relaxed?: boolean }[];
  residualTop?: TopK;
  /** The emitted tokens described on their rows, when the verifier reports them (CPU verifyTree). */
  choices?: Choice[];
  /** Stats of the target rows of the emitted tokens: root, then each accepted node. */
  stats: RowStats[];
  /** Target processed probability of every node's token, when the verifier reports it. */
  nodeP?: number[];
  /** Relaxed acceptance's total-variation drift from the target (CPU verifyTree). */
  drift?: number;
}

/** What the strategy loop adds to a step's event (how it drafted). */
export interface StepExtras {
  draftForwards: number;
  stop?: SpecStepData['stop'];
  confidence?: number[];
  lookup?: SpecStepData['lookup'];
  /** Extra target forwards spent this step (e.g. recycling's prompt pass). */
  extraTargetForwards?: number;
}

export interface VerifiedStep {
  tree: DraftTree;
  /** Position of the first drafted token. */
  step: number;
  verdict: Verdict;
  /** Target processed probability of every node's token (duplicates: at their first copy). */
  nodeP: number[];
  /** The emitted tokens described on their target rows. */
  rowResults: StepRowResult[];
  /** The emitted tokens: accepted drafts, then the next token. */
  tokens: number[];
  extras: StepExtras;
  /** Index of the first token event. */
  firstIndex: number;
}

export function specStepEvents(session: SessionFacts, v: VerifiedStep): Emitted[] {
  const { tree, step, verdict, extras } = v;
  const { config, target } = session.run;
  const { path, nextToken, nextKind, examined } = verdict;
  const text = (id: number) => target.tokenText(id);
  const examinedBy = new Map(examined.map((e) => [e.node, e]));
  const onPath = new Set(path);
  const nodes: DraftNode[] = [];
  for (let j = 1; j < tree.size; j++) {
    const e = examinedBy.get(j);
    nodes.push({
      id: j - 1,
      parent: tree.parents[j] - 1,
      token: tree.tokens[j],
      text: text(tree.tokens[j]),
      depth: tree.depth[j],
      q: tree.qProb[j],
      p: v.nodeP[tree.same[j]] ?? NaN,
      status: onPath.has(j) ? 'accepted' : e ? 'rejected' : 'unverified',
      ...(e && !Number.isNaN(e.u) ? { u: e.u } : {}),
      ...(e?.relaxed ? { relaxed: true } : {}),
    });
  }
  const depths = Array.from({ length: tree.maxDepth() }, (_, d) => ({
    drafted: tree.depth.filter((x) => x === d + 1).length,
    reached: path.length >= d,
    accepted: path.length > d,
  }));
  const { relaxed, relaxedNote } = session;
  const data: SpecStepData = {
    method: session.method,
    nodes,
    accepted: path.length,
    next: { id: nextToken, text: text(nextToken), kind: nextKind },
    residualTop: verdict.residualTop ? topEntries(verdict.residualTop, text) : undefined,
    targetForwards: 1 + (extras.extraTargetForwards ?? 0),
    draftForwards: extras.draftForwards,
    step,
    greedy: session.greedy,
    depths,
    ...(extras.stop ? { stop: extras.stop } : {}),
    ...(extras.confidence ? { confidence: extras.confidence } : {}),
    ...(extras.lookup ? { lookup: extras.lookup } : {}),
    ...(relaxed || relaxedNote
      ? {
          relaxed: {
            k: relaxed?.k ?? config.relaxed_neighbors,
            delta: relaxed?.delta ?? config.relaxed_delta,
            drift: verdict.drift ?? 0,
            relaxedAccepts: examined.filter((e) => e.relaxed).length,
            ...(relaxedNote ? { unavailable: relaxedNote } : {}),
          },
        }
      : {}),
  };
  const event: StrategyEvent<'spec'> = { type: 'strategy', kind: 'spec', position: step, data };
  const tokenEvents = v.tokens.map((id, i) => {
    const source: TokenSource = i < path.length ? 'draft-accepted' : nextKind === 'bonus' ? 'bonus' : 'residual-sample';
    return tokenEventFromStep(v.rowResults[i], { index: v.firstIndex + i, position: step + i, step, source }, text);
  });
  return [event, ...tokenEvents];
}
