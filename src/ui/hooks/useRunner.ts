import { useCallback, useEffect, useRef, useState } from 'react';
import { encodeConfig, type DecodeConfig } from '../../engine/config/index.ts';
import type { EndEvent, StartEvent, StrategyEvent, TokenEvent, Trace, TraceEvent } from '../../engine/trace/types.ts';
import { Comlink, engine, onEngineCrash } from '../lib/engineClient.ts';
import type { RunStatus } from '../TokenStream.tsx';

export interface RunData {
  config: DecodeConfig | null;
  status: RunStatus;
  start?: StartEvent;
  tokens: TokenEvent[];
  /** Strategy events (AdaDec triggers, CNTP trials, draft trees ...) in emission order. */
  events: StrategyEvent[];
  end?: EndEvent;
  error?: string;
}

export const EMPTY_RUN: RunData = { config: null, status: 'idle', tokens: [], events: [] };

/** The run is loading its model or decoding. */
export function isActive(r: Pick<RunData, 'status'>): boolean {
  return r.status === 'running' || r.status === 'loading';
}

export function toTrace(r: RunData): Trace | null {
  if (!r.start || !r.end) return null;
  return { version: r.start.version, start: r.start, tokens: r.tokens, events: r.events, end: r.end };
}

/** One stream of trace events from the worker into React state; a newer run silences an older one. */
export function useRunner() {
  const [run, setRun] = useState<RunData>(EMPTY_RUN);
  const id = useRef(0);
  const current = useRef<Promise<unknown> | null>(null);
  // A crashed worker never answers: fail the run in flight instead of waiting forever.
  useEffect(
    () =>
      onEngineCrash((message) => {
        current.current = null;
        id.current++;
        setRun((r) => (isActive(r) ? { ...r, status: 'error', error: message } : r));
      }),
    [],
  );

  const start = useCallback(async (cfg: DecodeConfig): Promise<RunData> => {
    const my = ++id.current;
    // One decode at a time in the worker: stop the previous one and let it finish first.
    if (current.current) {
      void engine().cancel();
      await current.current.catch(() => undefined);
    }
    if (id.current !== my) return { config: cfg, status: 'idle', tokens: [], events: [] };
    let local: RunData = { config: cfg, status: 'loading', tokens: [], events: [] };
    const update = (f: (r: RunData) => RunData) => {
      local = f(local);
      if (id.current === my) setRun(local);
    };
    update((r) => r);
    const onEvent = Comlink.proxy((e: TraceEvent) => {
      if (e.type === 'start') update((r) => ({ ...r, start: e, status: 'running' }));
      else if (e.type === 'token') update((r) => ({ ...r, tokens: [...r.tokens, e] }));
      else if (e.type === 'strategy') update((r) => ({ ...r, events: [...r.events, e] }));
      else update((r) => ({ ...r, end: e, status: e.reason === 'error' ? 'error' : 'done', error: e.error }));
    });
    const onProgress = Comlink.proxy(() => undefined);
    const p = engine().run(cfg, encodeConfig(cfg), onEvent, onProgress);
    current.current = p;
    try {
      await p;
      if (isActive(local)) update((r) => ({ ...r, status: 'done' }));
    } catch (err) {
      update((r) => ({ ...r, status: 'error', error: err instanceof Error ? err.message : String(err) }));
    } finally {
      if (current.current === p) current.current = null;
    }
    return local;
  }, []);

  const clear = useCallback(() => {
    id.current++;
    setRun(EMPTY_RUN);
  }, []);

  /** Forget the current run's future events (after a stop, the end event still arrives). */
  const isCurrent = useCallback(() => id.current, []);

  return { run, start, clear, isCurrent, setRun };
}
