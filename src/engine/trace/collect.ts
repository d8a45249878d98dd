import { TRACE_VERSION, type EndEvent, type StartEvent, type StrategyEvent, type TokenEvent, type Trace, type TraceEvent } from './types.ts';

/** Gathers an event stream into a Trace; throws if the stream is not start, tokens…, end. */
export async function collectTrace(events: AsyncIterable<TraceEvent>): Promise<Trace> {
  let start: StartEvent | undefined;
  let end: EndEvent | undefined;
  const tokens: TokenEvent[] = [];
  const strategyEvents: StrategyEvent[] = [];
  for await (const e of events) {
    if (e.type === 'start') start = e;
    else if (e.type === 'token') tokens.push(e);
    else if (e.type === 'strategy') strategyEvents.push(e);
    else end = e;
  }
  if (!start || !end) throw new Error('incomplete trace: missing start or end event');
  return { version: TRACE_VERSION, start, tokens, events: strategyEvents, end };
}
