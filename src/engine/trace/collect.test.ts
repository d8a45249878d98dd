/**
 * One trace assembly for the CLI (collectTrace over a stream) and the page (addEvent per worker
 * message): on a real run of the embedded target, folding the events one by one gives the trace
 * collectTrace gives, and no step changes the state it was given.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeSession } from '../node.ts';
import { TARGET, validConfig } from '../../../tests/support/embedded.ts';
import { addEvent, collectTrace, toTrace, type TraceSoFar } from './collect.ts';
import { TRACE_VERSION, type TraceEvent } from './types.ts';

const session = createNodeSession();
afterAll(() => session.unload());

async function* replay(events: readonly TraceEvent[]): AsyncGenerator<TraceEvent> {
  yield* events;
}

describe('trace assembly', () => {
  it('folds a real run event by event into the trace collectTrace builds, without touching earlier states', async () => {
    const config = validConfig({ model: TARGET, strategy: 'adadec', prompt: 'The old man', max_new_tokens: 8, seed: 1 });
    const events: TraceEvent[] = [];
    for await (const e of session.run(config)) events.push(e);
    expect(events.some((e) => e.type === 'strategy')).toBe(true);

    let t: TraceSoFar = { tokens: [], events: [] };
    for (const e of events) {
      const before = structuredClone(t);
      const next = addEvent(t, e);
      expect(t).toEqual(before);
      expect(toTrace(next) === null).toBe(e.type !== 'end');
      t = next;
    }
    const trace = await collectTrace(replay(events));
    expect(toTrace(t)).toEqual(trace);
    expect(trace.version).toBe(TRACE_VERSION);
    expect(trace.tokens.map((k) => k.index)).toEqual(trace.tokens.map((_, i) => i));
    expect(trace.tokens.length + trace.events.length + 2).toBe(events.length);
  });

  it('carries the page fields along and refuses a stream without its end', async () => {
    const config = validConfig({ model: TARGET, strategy: 'greedy', prompt: 'The sea', max_new_tokens: 3 });
    const events: TraceEvent[] = [];
    for await (const e of session.run(config)) events.push(e);
    const withStatus = events.reduce((r, e) => addEvent(r, e), { tokens: [], events: [], status: 'page' } as TraceSoFar & { status: string });
    expect(withStatus.status).toBe('page');
    await expect(collectTrace(replay(events.slice(0, -1)))).rejects.toThrow(/incomplete trace/);
  });
});
