/** Analyze mode: an engine Analysis as token events, so the token stream and charts draw it unchanged. */
import type { Analysis } from '../../engine/analyze.ts';
import type { TokenEvent } from '../../engine/trace/types.ts';

export function analysisTokens(a: Analysis): TokenEvent[] {
  return a.tokens.map((t, i) => ({
    type: 'token',
    index: i,
    position: t.index,
    id: t.id,
    text: t.text,
    source: 'forced',
    step: i,
    entropy: t.entropy,
    varentropy: t.varentropy,
    rawTop: t.top,
    processedTop: [],
    stages: [],
    temperature: 1,
    rank: t.rank,
    prob: t.prob,
    logprob: t.logprob,
    processedProb: t.prob,
  }));
}
