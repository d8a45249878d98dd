import { useState } from 'react';
import type { Analysis } from '../engine/analyze.ts';
import type { DecodeConfig } from '../engine/config/index.ts';
import { Candidates, TokenLegend, TokenStream, type ColorMode, type RunStatus } from './TokenStream.tsx';
import { EntropyView } from './Views.tsx';
import { analysisTokens } from './lib/analysis.ts';
import { Comlink, engine } from './lib/engineClient.ts';
import { MAX_ANALYZE_CHARS } from './lib/urlState.ts';

/** Paste a text: per-token rank/probability colouring and entropy under the chosen model, no generation. */
export function AnalyzeView({
  config,
  text,
  onText,
  ensureModel,
  onAnalyzed,
}: {
  config: DecodeConfig;
  text: string;
  onText: (t: string) => void;
  ensureModel: (c: DecodeConfig) => Promise<boolean>;
  onAnalyzed: () => void;
}) {
  const [status, setStatus] = useState<RunStatus>('idle');
  const [result, setResult] = useState<Analysis | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [mode, setMode] = useState<ColorMode>('rank');
  const tokens = result ? analysisTokens(result) : [];

  const analyze = async () => {
    setStatus('loading');
    setError(null);
    onAnalyzed();
    try {
      if (!(await ensureModel(config))) {
        setStatus('idle');
        return;
      }
      setStatus('running');
      const a = await engine().analyze(config, text, Comlink.proxy(() => undefined));
      setResult(a);
      setSelected(null);
      setStatus('done');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setStatus('error');
    }
  };

  const sel = selected ?? (tokens.length ? 0 : null);
  return (
    <>
      <section className="panel view" data-testid="view-analyze" aria-labelledby="an-h">
        <div className="view-head">
          <h2 id="an-h">Analyze a text</h2>
          <button type="button" className="primary" data-testid="analyze-run" onClick={() => void analyze()} disabled={status === 'loading' || status === 'running' || !text.trim()}>
            Analyze
          </button>
        </div>
        <label htmlFor="analyze-text">Text to score under {config.model} (no generation: how surprised was the model by each token?)</label>
        <textarea id="analyze-text" data-testid="analyze-text" rows={4} maxLength={MAX_ANALYZE_CHARS} value={text} onChange={(e) => onText(e.target.value)} />
        <div className="row">
          <label htmlFor="an-color">Colour by</label>
          <select id="an-color" value={mode} onChange={(e) => setMode(e.target.value as ColorMode)}>
            <option value="rank">rank (GLTR buckets)</option>
            <option value="prob">probability</option>
          </select>
          {result && (
            <span data-testid="analyze-summary">
              {result.tokens.length} tokens · perplexity {Number.isFinite(result.perplexity) ? result.perplexity.toFixed(1) : '–'}
              {result.truncated ? ` · ${result.truncated} tokens beyond the model's context were not scored` : ''}
            </span>
          )}
        </div>
        <TokenLegend tokens={tokens} mode={mode} scored />
        <TokenStream prompt="" tokens={tokens} status={status} selected={sel} mode={mode} onSelect={setSelected} testId="analyze-output" scored />
        {error && (
          <p className="warn" data-testid="error">
            {error}
          </p>
        )}
        <Candidates token={sel !== null ? tokens[sel] : undefined} index={sel} scored />
      </section>
      <EntropyView tokens={tokens} selected={sel} config={{ ...config, strategy: 'greedy' }} onSelect={setSelected} xLabel="token of the text" keptSet={false} />
    </>
  );
}
