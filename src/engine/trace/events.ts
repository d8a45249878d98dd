import type { StepRowResult, TopK } from '../kernels/types.ts';
import type { TokenEvent, TokenSource, TopEntry } from './types.ts';

/** Token text lookup (ModelRunner.tokenText). */
export type TokenTexts = (id: number) => string;

export function topEntries(top: TopK, text: TokenTexts): TopEntry[] {
  return top.ids.map((id, i) => ({ id, text: text(id), prob: top.probs[i] }));
}

/** The trace event for a token chosen by the kernels at one step. */
export function tokenEventFromStep(
  row: StepRowResult,
  at: { index: number; position: number; step: number; source: TokenSource },
  text: TokenTexts,
): TokenEvent {
  const c = row.choice;
  if (!c) throw new Error('tokenEventFromStep needs a row with a choice');
  return {
    type: 'token',
    index: at.index,
    position: at.position,
    id: c.token,
    text: text(c.token),
    source: at.source,
    step: at.step,
    entropy: row.entropy,
    varentropy: row.varentropy,
    rawTop: topEntries(row.rawTop, text),
    processedTop: topEntries(row.processedTop, text),
    stages: row.stages,
    temperature: row.temperature,
    rank: c.rawRank,
    prob: c.rawProb,
    logprob: c.rawLogprob,
    processedProb: c.processedProb,
  };
}
