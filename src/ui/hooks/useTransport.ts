import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { DecodeConfig } from '../../engine/config/index.ts';
import type { Transport } from '../PromptPanel.tsx';
import type { RunStatus } from '../TokenStream.tsx';
import { engine } from '../lib/engineClient.ts';
import { writePageState, type Mode } from '../lib/urlState.ts';
import type { useModelLoading } from './useModelLoading.ts';
import { isActive, type useRunner } from './useRunner.ts';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export interface TransportDeps {
  runner: ReturnType<typeof useRunner>;
  models: Pick<ReturnType<typeof useModelLoading>, 'ensureModel' | 'confirmDownload' | 'clearCrash'>;
  configRef: RefObject<DecodeConfig>;
  mode: Mode;
  setMode: (m: Mode) => void;
  pushUrl: (query: string) => void;
  /** Run pressed in compare mode: the compare view runs both sides. */
  runCompare: () => void;
}

/**
 * Run, pause, step, stop and reset for the playground, with their keyboard shortcuts. Events
 * buffer as they arrive; while paused the page reveals them one by one. Also the selected token,
 * which a new run clears and [ ] move.
 */
export function useTransport({ runner, models, configRef, mode, setMode, pushUrl, runCompare }: TransportDeps) {
  const { run, start, clear } = runner;
  const { ensureModel, confirmDownload, clearCrash } = models;
  const [selected, setSelected] = useState<number | null>(null);
  const [paused, setPaused] = useState(false);
  const [reveal, setReveal] = useState(0);
  // A run that waits for the user to agree to a model download.
  const pendingRun = useRef(false);

  const startRun = useCallback(
    async (cfg: DecodeConfig, opts: { paused?: boolean } = {}) => {
      setSelected(null);
      setPaused(Boolean(opts.paused));
      setReveal(opts.paused ? 1 : 0);
      clearCrash();
      const ok = await ensureModel(cfg);
      if (!ok) {
        pendingRun.current = true;
        return;
      }
      pendingRun.current = false;
      await start(cfg);
    },
    [ensureModel, start, clearCrash],
  );

  const modeRef = useRef(mode);
  modeRef.current = mode;
  const onRun = useCallback(() => {
    if (modeRef.current === 'compare') {
      runCompare();
      return;
    }
    setMode('run');
    pushUrl(writePageState({ config: configRef.current, mode: 'run' }));
    void startRun(configRef.current);
  }, [configRef, pushUrl, setMode, runCompare, startRun]);

  /** After the user agrees to a download: load, then run if a run was waiting for it. */
  const onConfirmDownload = useCallback(() => {
    const again = pendingRun.current;
    void confirmDownload(configRef.current).then((ok) => {
      if (ok && again) void startRun(configRef.current);
    });
  }, [configRef, confirmDownload, startRun]);

  const running = isActive(run);
  const shown = paused ? run.tokens.slice(0, reveal) : run.tokens;
  const stillHidden = paused && (reveal < run.tokens.length || running);
  const status: RunStatus = stillHidden ? 'running' : run.status;
  const canStep = run.status === 'idle' || running || (paused && reveal < run.tokens.length);

  const transport: Transport = {
    running,
    paused: paused && stillHidden,
    canStep,
    onRun,
    onPause: () => {
      setPaused(true);
      setReveal(run.tokens.length);
    },
    onResume: () => setPaused(false),
    onStep: () => {
      if (run.status === 'idle') {
        pushUrl(writePageState({ config: configRef.current, mode: 'run' }));
        void startRun(configRef.current, { paused: true });
      } else if (!paused) {
        setPaused(true);
        setReveal(run.tokens.length + 1);
      } else setReveal((n) => Math.min(n, run.tokens.length) + 1);
    },
    onStop: () => void engine().cancel(),
    onReset: () => {
      void engine().cancel();
      clear();
      setPaused(false);
      setReveal(0);
      setSelected(null);
    },
  };

  // Keyboard shortcuts read the newest transport and token count through refs (one listener).
  const transportRef = useRef(transport);
  transportRef.current = transport;
  const shownRef = useRef(0);
  shownRef.current = shown.length;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = transportRef.current;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        t.onRun();
        return;
      }
      if (isTyping(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'ArrowRight' || e.key === '.') {
        if (t.canStep) t.onStep();
      } else if (e.key === 'p' || e.key === 'P') {
        if (t.paused) t.onResume();
        else if (t.running) t.onPause();
      } else if (e.key === 'Escape') t.onStop();
      else if (e.key === '[' || e.key === ']') {
        setSelected((s) => {
          const n = shownRef.current;
          if (!n) return null;
          const cur = s ?? n - 1;
          return Math.max(0, Math.min(n - 1, cur + (e.key === ']' ? 1 : -1)));
        });
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return { transport, startRun, onConfirmDownload, shown, status, selected, setSelected };
}
