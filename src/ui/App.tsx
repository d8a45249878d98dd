import { useCallback, useMemo, useState } from 'react';
import { normalizeConfig, type DecodeConfig } from '../engine/config/index.ts';
import { toTrace } from '../engine/trace/collect.ts';
import type { TopEntry } from '../engine/trace/types.ts';
import { AnalyzeView } from './AnalyzeView.tsx';
import { CapabilityPanel } from './CapabilityPanel.tsx';
import { FontScale } from './Chart.tsx';
import { ClassroomGallery } from './Classroom.tsx';
import { CompareView } from './CompareView.tsx';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { ModelPanel, ModelStatusStrip } from './ModelPanel.tsx';
import { PromptPanel } from './PromptPanel.tsx';
import { RunStats } from './RunStats.tsx';
import { SpeculativeView } from './SpeculativeView.tsx';
import { StrategyDetails } from './StrategyDetails.tsx';
import { Candidates, TokenLegend, TokenStream, type ColorMode } from './TokenStream.tsx';
import { EntropyView, ProbabilityView } from './Views.tsx';
import { WarningsBanner } from './WarningsBanner.tsx';
import { useModelLoading } from './hooks/useModelLoading.ts';
import { isActive, useRunner } from './hooks/useRunner.ts';
import { useTransport } from './hooks/useTransport.ts';
import { useUrlState } from './hooks/useUrlState.ts';
import { downloadBlob } from './lib/download.ts';
import { explainError } from './lib/errors.ts';
import { eventsByStep } from './lib/strategyEvents.ts';
import { branchPrompt } from './lib/tokens.ts';
import { writePageState, type Mode } from './lib/urlState.ts';

const MODES: readonly [Mode, string][] = [
  ['run', 'Playground'],
  ['compare', 'Compare'],
  ['analyze', 'Analyze'],
  ['classroom', 'Classroom'],
];
const EMBEDDED_MODEL = 'playground/brown-target-v1';

export function App() {
  const url = useUrlState();
  const { config, configRef, setConfig, mode, setMode, compareCfg, analyzeText, showPageState, pushUrl } = url;
  const runner = useRunner();
  const { run } = runner;
  const models = useModelLoading(config, isActive(run));
  const [compareSignal, setCompareSignal] = useState(0);
  const runCompare = useCallback(() => setCompareSignal((n) => n + 1), []);
  const { transport, startRun, onConfirmDownload, shown, status, selected, setSelected } = useTransport({ runner, models, configRef, mode, setMode, pushUrl, runCompare });
  const [large, setLarge] = useState(false);
  const [hideControls, setHideControls] = useState(false);
  const [colorMode, setColorMode] = useState<ColorMode>('rank');
  const [hovered, setHovered] = useState<number | null>(null);

  const eventsAt = useMemo(() => eventsByStep(run.tokens, run.events), [run.tokens, run.events]);
  const sel = selected !== null && selected < shown.length ? selected : shown.length ? shown.length - 1 : null;
  const inspect = hovered !== null && hovered < shown.length ? hovered : sel;

  const onBranch = useCallback(
    (step: number, c: TopEntry) => {
      const base = run.config ?? configRef.current;
      const prompt = branchPrompt(base.prompt, shown.map((t) => t.text), step, c.text);
      const next = normalizeConfig({ ...configRef.current, prompt }).config;
      setConfig(next);
      pushUrl(writePageState({ config: next, mode: 'run' }));
      void startRun(next);
    },
    [run.config, shown, configRef, setConfig, pushUrl, startRun],
  );

  const applyPreset = useCallback(
    (preset: { config: DecodeConfig; mode: Mode; compare?: DecodeConfig }) => {
      // A preset keeps the backend and weights the user chose for this machine.
      const keep = { backend: configRef.current.backend, dtype: configRef.current.dtype };
      const s = { ...preset, config: { ...preset.config, ...keep }, compare: preset.compare && { ...preset.compare, ...keep } };
      showPageState(s);
      pushUrl(writePageState(s));
      if (s.mode === 'run') void startRun(s.config);
      else if (s.mode === 'compare') runCompare();
    },
    [configRef, showPageState, pushUrl, startRun, runCompare],
  );

  const trace = toTrace(run);
  const runError = run.status === 'error' ? explainError(run.error ?? 'unknown error', { model: config.model, online: navigator.onLine }) : null;
  const ranConfig = run.config ?? config;
  const useEmbedded = () => setConfig({ ...config, model: EMBEDDED_MODEL });

  return (
    <FontScale.Provider value={large ? 1.3 : 1}>
    <div className={`app${large ? ' large' : ''}`}>
      <header className="top">
        <div>
          <h1>Decoding Playground</h1>
          <p className="tagline">Watch a language model choose its next token — and what each decoding strategy does about it.</p>
        </div>
        <nav className="modes" aria-label="Mode">
          {MODES.map(([m, label]) => (
            <button key={m} type="button" className={mode === m ? 'tab active' : 'tab'} aria-pressed={mode === m} data-testid={`mode-${m}`} onClick={() => setMode(m)}>
              {label}
            </button>
          ))}
        </nav>
        <div className="top-actions">
          <button type="button" data-testid="copy-link" onClick={() => void url.copyLink()}>
            Copy link
          </button>
          <button type="button" aria-pressed={hideControls} data-testid="toggle-controls" onClick={() => setHideControls((x) => !x)} title="Give the views the whole width (Run, Step and Stop stay on the keyboard)">
            {hideControls ? 'Show controls' : 'Hide controls'}
          </button>
          <button type="button" aria-pressed={large} onClick={() => setLarge((x) => !x)} title="Presentation mode: larger type">
            {large ? 'Normal type' : 'Large type'}
          </button>
          {url.copied && (
            <span className="copied" role="status" data-testid="copied">
              {url.copied}
            </span>
          )}
        </div>
      </header>
      <WarningsBanner warnings={url.warnings} onDismiss={url.dismissWarnings} />
      <ErrorBox crash={models.crash} runError={runError} loadError={models.load.status === 'error' ? (models.load.error ?? null) : null} />
      <main className={hideControls ? 'no-controls' : undefined}>
        <aside hidden={hideControls}>
          <ErrorBoundary prompt={() => configRef.current.prompt}>
            <PromptPanel config={config} onChange={setConfig} transport={transport} />
            <ModelPanel config={config} onChange={setConfig} load={models.load} caps={models.caps} onLoad={onConfirmDownload} onCancel={models.cancelLoad} onUseEmbedded={useEmbedded} />
            <CapabilityPanel />
          </ErrorBoundary>
        </aside>
        <div className="views">
          <ModelStatusStrip load={models.load} onLoad={onConfirmDownload} onUseEmbedded={useEmbedded} />
          <ErrorBoundary prompt={() => configRef.current.prompt}>
            {mode === 'classroom' ? (
              <ClassroomGallery onOpen={applyPreset} />
            ) : mode === 'analyze' ? (
              <AnalyzeView config={config} text={analyzeText} onText={url.setAnalyzeText} ensureModel={models.ensureModel} onAnalyzed={() => pushUrl(writePageState({ config, mode, text: analyzeText }))} />
            ) : mode === 'compare' ? (
              <CompareView a={config} b={compareCfg} onChangeB={url.setCompareCfg} ensureModel={models.ensureModel} onRan={() => pushUrl(writePageState({ config, mode, compare: compareCfg }))} runSignal={compareSignal} />
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
                  <RunStats run={run} shown={shown.length} paused={transport.paused} />
                  <Candidates token={inspect !== null ? shown[inspect] : undefined} index={inspect} onBranch={onBranch} />
                  <StrategyDetails events={inspect !== null ? (eventsAt.get(inspect) ?? []) : []} />
                </section>
                <ProbabilityView token={sel !== null ? shown[sel] : undefined} index={sel} vocabSize={run.start?.vocabSize ?? models.load.loaded?.vocabSize ?? 0} samplerOrder={ranConfig.sampler_order} />
                <EntropyView tokens={shown} events={run.events} selected={sel} config={ranConfig} onSelect={setSelected} />
                <SpeculativeView tokens={shown} events={run.events} selected={sel} stats={run.end?.stats} />
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
