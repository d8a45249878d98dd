import type { EndEvent, StartEvent, StrategyEvent, TokenEvent, Trace, TraceEvent } from './types.ts';

/** A trace as far as its events have arrived: a run in progress has no end yet. */
export interface TraceSoFar {
  start?: StartEvent;
  tokens: TokenEvent[];
  /** Strategy events (AdaDec triggers, CNTP trials, draft trees ...) in emission order. */
  events: StrategyEvent[];
  end?: EndEvent;
}

/**
 * Adds one event to a trace so far. Pure: returns a new object and leaves `t` as it was, so the
 * page can keep each step in React state; the rest of `t` (e.g. the page's run status) carries over.
 */
export function addEvent<T extends TraceSoFar>(t: T, e: TraceEvent): T {
  if (e.type === 'start') return { ...t, start: e };
  if (e.type === 'token') return { ...t, tokens: [...t.tokens, e] };
  if (e.type === 'strategy') return { ...t, events: [...t.events, e] };
  return { ...t, end: e };
}

/** The finished trace, or null while its start or end event is missing. */
export function toTrace(t: TraceSoFar): Trace | null {
  if (!t.start || !t.end) return null;
  return { version: t.start.version, start: t.start, tokens: t.tokens, events: t.events, end: t.end };
}

/** Gathers an event stream into a Trace; throws if the stream is not start, tokens…, end. */
export async function collectTrace(events: AsyncIterable<TraceEvent>): Promise<Trace> {
  let t: TraceSoFar = { tokens: [], events: [] };
  for await (const e of events) t = addEvent(t, e);
  const trace = toTrace(t);
  if (!trace) throw new Error('incomplete trace: missing start or end event');
  return trace;
}
