import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { STRATEGIES, normalizeConfig, type DecodeConfig } from '../engine/config/index.ts';
import { isEmbeddedModel } from '../engine/model/catalog.ts';
import type { TopEntry } from '../engine/trace/types.ts';
import type { Capabilities } from '../worker/protocol.ts';
import { CapabilityPanel } from './CapabilityPanel.tsx';
import { FontScale } from './Chart.tsx';
import { ClassroomGallery } from './Classroom.tsx';
import { CompareView } from './CompareView.tsx';
import { AnalyzeView } from './AnalyzeView.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { ModelPanel, ModelStatusStrip, type LoadState } from './ModelPanel.tsx';
import { PromptPanel, type Transport } from './PromptPanel.tsx';
import { Candidates, TokenLegend, TokenStream, type ColorMode, type RunStatus } from './TokenStream.tsx';
import { useRunner, toTrace } from './useRunner.ts';
import { EntropyView, ProbabilityView } from './Views.tsx';
import { WarningsBanner } from './WarningsBanner.tsx';
import { StrategyDetails } from './StrategyDetails.tsx';
import { SpeculativeView } from './SpeculativeView.tsx';
import { eventsByStep } from './lib/strategyEvents.ts';
import { downloadBlob } from './lib/download.ts';
import { Comlink, engine, onEngineCrash, resetEngine } from './lib/engineClient.ts';
import { explainError } from './lib/errors.ts';
import { formatNumber } from './lib/format.ts';
import { branchPrompt } from './lib/tokens.ts';
import { defaultCompare, readPageState, writePageState, type Mode } from './lib/urlState.ts';

function modelKey(c: DecodeConfig): string {
  return JSON.stringify([c.model, STRATEGIES[c.strategy].needsDraft ? c.draft : null, c.backend, c.dtype]);
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function App() {
  const initial = useMemo(() => readPageState(window.location.search), []);
  const [config, setConfigRaw] = useState<DecodeConfig>(initial.config);
  const [mode, setMode] = useState<Mode>(initial.mode);
  const [compareCfg, setCompareCfg] = useState<DecodeConfig>(initial.compare ?? defaultCompare(initial.config));
  const [warnings, setWarnings] = useState<string[]>(initial.warnings);
  const [analyzeText, setAnalyzeText] = useState<string>(initial.text ?? 'The old man looked at the sea and said nothing.');
  const [large, setLarge] = useState(false);
  const [hideControls, setHideControls] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [load, setLoad] = useState<LoadState>({ status: 'idle', model: initial.config.model, files: [] });
  const [colorMode, setColorMode] = useState<ColorMode>('rank');
  const [selected, setSelected] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [paused, setPaused] = useState(false);
  const [reveal, setReveal] = useState(0);
  const [crash, setCrash] = useState<string | null>(null);
  const [compareSignal, setCompareSignal] = useState(0);
  const { run, start, clear } = useRunner();

  const configRef = useRef(config);
  configRef.current = config;
  const setConfig = useCallback((c: DecodeConfig) => setConfigRaw(normalizeConfig(c).config), []);

  // ---- URL state: every change replaces the current history entry, except that a run seals its
  // entry (state.ran), so the first change after a run starts a new one: Back returns to each run.
  const query = writePageState({ config, mode, compare: compareCfg, text: analyzeText });
  useEffect(() => {
    if (window.location.search === query) return;
    if (window.history.state?.ran) window.history.pushState(null, '', query);
    else window.history.replaceState(window.history.state, '', query);
  }, [query]);
  useEffect(() => {
    const onPop = () => {
      const s = readPageState(window.location.search);
      setConfigRaw(s.config);
      setMode(s.mode);
      if (s.compare) setCompareCfg(s.compare);
      if (s.text !== undefined) setAnalyzeText(s.text);
      setWarnings(s.warnings);
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const pushUrl = useCallback((q: string) => {
    if (window.location.search !== q && window.history.state?.ran) window.history.pushState({ ran: q }, '', q);
    else window.history.replaceState({ ran: q }, '', q);
  }, []);

  // ---- engine capabilities (the worker's adapter) and crash reporting
  useEffect(() => {
    let live = true;
    engine()
      .capabilities()
      .then((c) => live && setCaps(c))
      .catch(() => undefined);
    const off = onEngineCrash((m) => {
      setCrash(m);
      resetEngine();
      inflight.current = null;
      loadedKey.current = null;
      setLoad((s) => ({ ...s, status: 'idle', files: [] }));
    });
    return () => {
      live = false;
      off();
    };
  }, []);

  // ---- model loading: one load per key at a time; hub models only after the user agrees.
  const confirmed = useRef(new Set<string>());
  const inflight = useRef<{ key: string; promise: Promise<boolean> } | null>(null);
  const loadedKey = useRef<string | null>(null);

  const ensureModel = useCallback((cfg: DecodeConfig): Promise<boolean> => {
    const key = modelKey(cfg);
    if (loadedKey.current === key) return Promise.resolve(true);
    if (inflight.current?.key === key) return inflight.current.promise;
    if (!isEmbeddedModel(cfg.model) && !confirmed.current.has(cfg.model)) {
      setLoad({ status: 'ask', model: cfg.model, files: [] });
      return Promise.resolve(false);
    }
    setLoad({ status: 'loading', model: cfg.model, files: [] });
    const onProgress = Comlink.proxy((model: string, p: { file: string; loaded: number; total: number; status: string }) => {
      if (!p.file) return;
      setLoad((s) => {
        if (s.status !== 'loading') return s;
        const files = [...s.files];
        const i = files.findIndex((f) => f.model === model && f.file === p.file);
        const prev = i >= 0 ? files[i] : undefined;
        const loaded = p.status === 'done' ? Math.max(prev?.total ?? 0, p.loaded, prev?.loaded ?? 0) : p.loaded || prev?.loaded || 0;
        const total = p.total || prev?.total || 0;
        const next = { model, file: p.file, loaded, total: p.status === 'done' ? Math.max(total, loaded) : total, done: p.status === 'done' };
        if (i >= 0) files[i] = next;
        else files.push(next);
        return { ...s, model: s.model, files };
      });
    });
    const promise = engine()
      .load(cfg, onProgress)
      .then((loaded) => {
        loadedKey.current = key;
        setLoad((s) => ({ ...s, status: 'ready', model: cfg.model, loaded, error: undefined }));
        return true;
      })
      .catch((err: unknown) => {
        loadedKey.current = null;
        const message = err instanceof Error ? err.message : String(err);
        setLoad((s) => ({ ...s, status: 'error', model: cfg.model, error: explainError(message, { model: cfg.model, online: navigator.onLine }) }));
        return false;
      })
      .finally(() => {
        if (inflight.current?.key === key) inflight.current = null;
      });
    inflight.current = { key, promise };
    return promise;
  }, []);

  // Load (or ask about) the configured model whenever it changes; embedded models need no network.
  const key = modelKey(config);
  const busyRef = useRef(false);
  useEffect(() => {
    // Never swap models under a running decode: the next Run loads what the config asks for.
    if (busyRef.current) setLoad((s) => ({ ...s, status: 'idle', model: configRef.current.model, files: [] }));
    else void ensureModel(configRef.current);
  }, [key, ensureModel]);

  const cancelLoad = useCallback(() => {
    resetEngine();
    inflight.current = null;
    loadedKey.current = null;
    setLoad((s) => ({ ...s, status: 'idle', files: [] }));
  }, []);

  // ---- runs, pause and step (events buffer; the page reveals them one by one when paused)
  const pendingRun = useRef(false);
  const startRun = useCallback(
    async (cfg: DecodeConfig, opts: { paused?: boolean } = {}) => {
      setSelected(null);
      setPaused(Boolean(opts.paused));
      setReveal(opts.paused ? 1 : 0);
      setCrash(null);
      const ok = await ensureModel(cfg);
      if (!ok) {
        pendingRun.current = true;
        return;
      }
      pendingRun.current = false;
      await start(cfg);
    },
    [ensureModel, start],
  );

  const modeRef = useRef(mode);
  modeRef.current = mode;
  const onRun = useCallback(() => {
    if (modeRef.current === 'compare') {
      setCompareSignal((n) => n + 1);
      return;
    }
    setMode('run');
    pushUrl(writePageState({ config: configRef.current, mode: 'run' }));
    void startRun(configRef.current);
  }, [pushUrl, startRun]);

  const running = run.status === 'running' || run.status === 'loading';
  busyRef.current = running;
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

  // after the user agrees to a download, load and run what they asked for
  const confirmDownload = useCallback(() => {
    confirmed.current.add(configRef.current.model);
    const again = pendingRun.current;
    void ensureModel(configRef.current).then((ok) => {
      if (ok && again) void startRun(configRef.current);
    });
  }, [ensureModel, startRun]);

  // keyboard shortcuts
  const transportRef = useRef(transport);
  transportRef.current = transport;
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
  const shownRef = useRef(0);
  shownRef.current = shown.length;

  const eventsAt = useMemo(() => eventsByStep(run.tokens, run.events), [run.tokens, run.events]);
  const sel = selected !== null && selected < shown.length ? selected : shown.length ? shown.length - 1 : null;
  const inspect = hovered !== null && hovered < shown.length ? hovered : sel;

  const onBranch = useCallback(
    (step: number, c: TopEntry) => {
      const base = run.config ?? configRef.current;
      const prompt = branchPrompt(base.prompt, shown.map((t) => t.text), step, c.text);
      const next = normalizeConfig({ ...configRef.current, prompt }).config;
      setConfigRaw(next);
      pushUrl(writePageState({ config: next, mode: 'run' }));
      void startRun(next);
    },
    [run.config, shown, pushUrl, startRun],
  );

  const copyLink = useCallback(async () => {
    const url = window.location.origin + window.location.pathname + query;
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied');
    } catch {
      setCopied(url);
    }
    setTimeout(() => setCopied(null), 4000);
  }, [query]);

  const trace = toTrace(run);
  const runError = run.status === 'error' ? explainError(run.error ?? 'unknown error', { model: config.model, online: navigator.onLine }) : null;
  const loadError = load.status === 'error' ? load.error : null;
  const ranConfig = run.config ?? config;

  const applyPreset = useCallback(
    (preset: { config: DecodeConfig; mode: Mode; compare?: DecodeConfig }) => {
      // A preset keeps the backend and weights the user chose for this machine.
      const keep = { backend: configRef.current.backend, dtype: configRef.current.dtype };
      const s = { ...preset, config: { ...preset.config, ...keep }, compare: preset.compare && { ...preset.compare, ...keep } };
      setConfigRaw(s.config);
      if (s.compare) setCompareCfg(s.compare);
      setMode(s.mode);
      setWarnings([]);
      pushUrl(writePageState(s));
      if (s.mode === 'run') void startRun(s.config);
      else if (s.mode === 'compare') setCompareSignal((n) => n + 1);
    },
    [pushUrl, startRun],
  );

  return (
    <FontScale.Provider value={large ? 1.3 : 1}>
    <div className={`app${large ? ' large' : ''}`}>
      <header className="top">
        <div>
          <h1>Decoding Playground</h1>
          <p className="tagline">Watch a language model choose its next token — and what each decoding strategy does about it.</p>
        </div>
        <nav className="modes" aria-label="Mode">
          {(['run', 'compare', 'analyze', 'classroom'] as const).map((m) => (
            <button key={m} type="button" className={mode === m ? 'tab active' : 'tab'} aria-pressed={mode === m} data-testid={`mode-${m}`} onClick={() => setMode(m)}>
              {m === 'run' ? 'Playground' : m === 'compare' ? 'Compare' : m === 'analyze' ? 'Analyze' : 'Classroom'}
            </button>
          ))}
        </nav>
        <div className="top-actions">
          <button type="button" data-testid="copy-link" onClick={() => void copyLink()}>
            Copy link
          </button>
          <button type="button" aria-pressed={hideControls} data-testid="toggle-controls" onClick={() => setHideControls((x) => !x)} title="Give the views the whole width (Run, Step and Stop stay on the keyboard)">
            {hideControls ? 'Show controls' : 'Hide controls'}
          </button>
          <button type="button" aria-pressed={large} onClick={() => setLarge((x) => !x)} title="Presentation mode: larger type">
            {large ? 'Normal type' : 'Large type'}
          </button>
          {copied && (
            <span className="copied" role="status" data-testid="copied">
              {copied}
            </span>
          )}
        </div>
      </header>
      <WarningsBanner warnings={warnings} onDismiss={() => setWarnings([])} />
      {(crash || runError || loadError) && (
        <section className="panel error-box" role="alert" data-testid="error">
          {crash ? (
            <>
              <strong>The engine stopped.</strong> {crash}. It restarts on the next run; your prompt and settings are kept.
            </>
          ) : runError ? (
            <>
              <strong>The run failed: {runError.title}.</strong> {runError.advice}
              <br />
              <small>Details: {runError.detail}</small>
            </>
          ) : loadError ? (
            <>
              <strong>{loadError.title}.</strong> {loadError.advice}
              <br />
              <small>Details: {loadError.detail}</small>
            </>
          ) : null}
        </section>
      )}
      <main className={hideControls ? 'no-controls' : undefined}>
        <aside hidden={hideControls}>
          <ErrorBoundary prompt={() => configRef.current.prompt}>
            <PromptPanel config={config} onChange={setConfig} transport={transport} />
            <ModelPanel
              config={config}
              onChange={setConfig}
              load={load}
              caps={caps}
              onLoad={confirmDownload}
              onCancel={cancelLoad}
              onUseEmbedded={() => setConfig({ ...config, model: 'playground/brown-target-v1' })}
            />
            <CapabilityPanel />
          </ErrorBoundary>
        </aside>
        <div className="views">
          <ModelStatusStrip load={load} onLoad={confirmDownload} onUseEmbedded={() => setConfig({ ...config, model: 'playground/brown-target-v1' })} />
          <ErrorBoundary prompt={() => configRef.current.prompt}>
            {mode === 'classroom' ? (
              <ClassroomGallery onOpen={applyPreset} />
            ) : mode === 'analyze' ? (
              <AnalyzeView config={config} text={analyzeText} onText={setAnalyzeText} ensureModel={ensureModel} onAnalyzed={() => pushUrl(writePageState({ config, mode, text: analyzeText }))} />
            ) : mode === 'compare' ? (
              <CompareView a={config} b={compareCfg} onChangeB={setCompareCfg} ensureModel={ensureModel} onRan={() => pushUrl(writePageState({ config, mode, compare: compareCfg }))} runSignal={compareSignal} />
            ) : (
              <>
                <section className="panel view" data-testid="view-tokens" aria-labelledby="tok-h">
                  <div className="view-head">
                    <h2 id="tok-h">Token stream</h2>
                    <div className="row">
                      <label htmlFor="color-mode">Colour by</label>
                      <select id="color-mode" data-testid="color-mode" value={colorMode} onChange={(e) => setColorMode(e.target.value as ColorMode)}>
                        <option value="rank">rank (GLTR buckets)</option>
                        <option value="prob">probability</option>
                      </select>
                      <button type="button" className="small" data-testid="export-json" disabled={!trace} onClick={() => trace && downloadBlob(new Blob([JSON.stringify(trace, null, 2)], { type: 'application/json' }), 'trace.json')}>
                        Export trace JSON
                      </button>
                    </div>
                  </div>
                  <TokenLegend tokens={shown} mode={colorMode} />
                  <TokenStream prompt={ranConfig.prompt} promptTokens={run.start?.promptTokens} tokens={shown} status={status} selected={sel} mode={colorMode} onSelect={setSelected} onHover={setHovered} />
                  <RunStats run={run} shown={shown.length} paused={paused && stillHidden} />
                  <Candidates token={inspect !== null ? shown[inspect] : undefined} index={inspect} onBranch={onBranch} />
                  <StrategyDetails events={inspect !== null ? (eventsAt.get(inspect) ?? []) : []} />
                </section>
                <ProbabilityView token={sel !== null ? shown[sel] : undefined} index={sel} vocabSize={run.start?.vocabSize ?? load.loaded?.vocabSize ?? 0} />
                <EntropyView tokens={shown} events={run.events} selected={sel} config={ranConfig} onSelect={setSelected} />
                <SpeculativeView tokens={shown} events={run.events} selected={sel} tokensPerSecond={run.end?.stats.tokensPerSecond} />
              </>
            )}
          </ErrorBoundary>
        </div>
      </main>
      <footer className="muted small-text">
        Keys: Ctrl+Enter run · → or . step · P pause/play · Esc stop · [ ] previous/next token
      </footer>
    </div>
    </FontScale.Provider>
  );
}

function RunStats({ run, shown, paused }: { run: ReturnType<typeof useRunner>['run']; shown: number; paused: boolean }) {
  if (run.status === 'idle') return <p className="muted stats">Press Run (or Step) to generate.</p>;
  const s = run.end?.stats;
  return (
    <p className="stats" data-testid="run-stats">
      {run.status === 'loading' && 'Loading the model… '}
      {paused && `Paused at ${shown} of ${run.tokens.length}${run.end ? '' : '+'} tokens — press Step or Play. `}
      {s && !paused && (
        <>
          {s.tokensEmitted} tokens · {s.tokensPerSecond.toFixed(1)} tok/s · first token {Math.round(s.firstTokenMs)} ms · {s.targetForwards} forward passes
          {s.draftForwards ? ` (+${s.draftForwards} draft)` : ''} · ended by {run.end!.reason.replace('_', ' ')} · {run.start?.backend} / {run.start?.kernels} kernels
        </>
      )}
    </p>
  );
}
