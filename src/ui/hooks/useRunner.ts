import { useCallback, useEffect, useRef, useState } from 'react';
import { encodeConfig, type DecodeConfig } from '../../engine/config/index.ts';
import { addEvent, type TraceSoFar } from '../../engine/trace/collect.ts';
import type { TraceEvent } from '../../engine/trace/types.ts';
import { Comlink, engine, onEngineCrash } from '../lib/engineClient.ts';
import type { RunStatus } from '../TokenStream.tsx';

/** A run as the page shows it: the trace so far, the configuration it ran and where it stands. */
export interface RunData extends TraceSoFar {
  config: DecodeConfig | null;
  status: RunStatus;
  error?: string;
}

const NO_RUN: RunData = { config: null, status: 'idle', tokens: [], events: [] };

/** The run is loading its model or decoding. */
export function isActive(r: Pick<RunData, 'status'>): boolean {
  return r.status === 'running' || r.status === 'loading';
}

/** Adds a worker event to the run: a start event means decoding, an end event settles the status. */
function withEvent(r: RunData, e: TraceEvent): RunData {
  const next = addEvent(r, e);
  if (e.type === 'start') return { ...next, status: 'running' };
  if (e.type === 'end') return { ...next, status: e.reason === 'error' ? 'error' : 'done', error: e.error };
  return next;
}

/** One stream of trace events from the worker into React state; a newer run silences an older one. */
export function useRunner() {
  const [run, setRun] = useState<RunData>(NO_RUN);
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
    if (id.current !== my) return { ...NO_RUN, config: cfg };
    let local: RunData = { ...NO_RUN, config: cfg, status: 'loading' };
    const update = (f: (r: RunData) => RunData) => {
      local = f(local);
      if (id.current === my) setRun(local);
    };
    update((r) => r);
    const onEvent = Comlink.proxy((e: TraceEvent) => update((r) => withEvent(r, e)));
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
    setRun(NO_RUN);
  }, []);

  return { run, start, clear };
}
