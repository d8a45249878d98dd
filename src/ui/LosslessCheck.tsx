/**
 * "Check losslessness": samples the current speculative configuration and plain sampling over many
 * seeds and shows both token histograms with a chi-square p-value (or, for relaxed acceptance, the
 * measured drift). Lives inside the speculative view.
 */
import { useCallback, useRef, useState } from 'react';
import { Chart } from './Chart.tsx';
import { drawLosslessHistogram, histogramRows } from './charts/losslessHistogram.ts';
import { ALPHA, DEFAULT_SEEDS, MAX_CHECK_TOKENS, MAX_SEEDS, checkLosslessness, isSpeculative, outcomeText, type CheckProgress, type CheckResult } from './lib/losslessCheck.ts';
import { readPageState } from './lib/urlState.ts';
import { tokenLabel } from './lib/tokens.ts';

export function LosslessCheck() {
  const [seeds, setSeeds] = useState(DEFAULT_SEEDS);
  const [tokens, setTokens] = useState(1);
  const [progress, setProgress] = useState<CheckProgress | null>(null);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  const start = useCallback(async () => {
    // The configuration on the page now (the address bar holds it), as the Run button would use it.
    const config = readPageState(window.location.search).config;
    setResult(null);
    setError(null);
    if (!isSpeculative(config)) {
      setError(`The current strategy (${config.strategy}) is not speculative: pick a speculative strategy to check it.`);
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setProgress({ done: 0, total: 2 * seeds, phase: 'sampling' });
    try {
      const r = await checkLosslessness(config, { seeds, tokens }, setProgress, controller.signal);
      if (r) setResult(r);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (abort.current === controller) abort.current = null;
      setProgress(null);
    }
  }, [seeds, tokens]);

  const running = progress !== null;
  return (
    <div className="lossless" data-testid="lossless-panel">
      <h3>Is it really lossless?</h3>
      <p className="small-text">
        Speculative decoding promises the target model’s exact distribution. Test it: run this configuration and plain sampling (same temperature and processors) over many seeds and compare the first tokens.
      </p>
      <div className="row">
        <label>
          Seeds{' '}
          <input type="number" min={10} max={MAX_SEEDS} value={seeds} disabled={running} data-testid="lossless-seeds" onChange={(e) => setSeeds(clamp(e.target.valueAsNumber, 10, MAX_SEEDS, DEFAULT_SEEDS))} />
        </label>
        <label>
          First tokens{' '}
          <input type="number" min={1} max={MAX_CHECK_TOKENS} value={tokens} disabled={running} data-testid="lossless-tokens" onChange={(e) => setTokens(clamp(e.target.valueAsNumber, 1, MAX_CHECK_TOKENS, 1))} />
        </label>
        {running ? (
          <button type="button" data-testid="lossless-cancel" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        ) : (
          <button type="button" data-testid="lossless-check" onClick={() => void start()}>
            Check losslessness
          </button>
        )}
      </div>
      {progress && (
        <p className="small-text" role="status" data-testid="lossless-progress">
          <progress max={progress.total} value={progress.done} /> run {progress.done} of {progress.total} ({progress.phase === 'sampling' ? 'plain sampling' : 'speculative'})
        </p>
      )}
      {error && <p className="warn">{error}</p>}
      {result && <CheckReport result={result} />}
    </div>
  );
}

function CheckReport({ result }: { result: CheckResult }) {
  const { test, tv, lossy, options } = result;
  const rows = histogramRows(result.speculative, result.sampling, (k) => outcomeText(k, (t) => tokenLabel(t, Math.max(4, Math.floor(20 / options.tokens)))));
  const what = options.tokens === 1 ? 'first token' : `first ${options.tokens} tokens`;
  const outcomes = new Set([...result.speculative.keys(), ...result.sampling.keys()]).size;
  const pText =
    test.df > 0
      ? `p = ${formatP(test.p)} (χ² = ${test.statistic.toFixed(2)}, ${test.df} degrees of freedom)`
      : outcomes === 1
        ? 'p = 1 (every run gave the same outcome: nothing to tell apart)'
        : 'no test possible: no outcome was expected 5 times, so all were pooled into one bin. Use more seeds or a sharper distribution (lower temperature, top-k)';
  return (
    <div data-testid="lossless-report">
      <p className="stats" data-testid="lossless-result" data-p={test.df > 0 || outcomes === 1 ? test.p : undefined} data-tv={tv}>
        {lossy ? (
          <>
            Relaxed acceptance is lossy by design. Measured drift: total variation distance <strong>{tv.toFixed(3)}</strong> between the two histograms of the {what} ({test.nA} + {test.nB} runs); chi-square test {pText}.
          </>
        ) : (
          <>
            Chi-square homogeneity test on the {what}, {test.nA} speculative + {test.nB} plain-sampling runs: <strong>{pText}</strong>.
          </>
        )}
      </p>
      <p className="small-text">
        {lossy
          ? `How to read it: the distance is half the summed difference of the two histograms (0 = identical, 1 = disjoint). Part of it is sampling noise; a p-value below ${ALPHA} says the drift is larger than noise explains.`
          : `How to read it: if speculative decoding is lossless, both histograms estimate the same distribution and p is just as likely to be anywhere between 0 and 1. Only p below α = ${ALPHA} would be evidence of a difference (a lossless method lands there 1 time in 100 by chance). A large p does not prove equality: it says ${test.nA} runs could not tell the two apart. Outcomes rarer than 5 expected runs are pooled before testing.`}
      </p>
      <Chart name="lossless-histogram" title={`Outcomes of the ${what}: speculative vs plain sampling`} data={rows} height={Math.max(220, 90 + rows.length * 34)} draw={drawLosslessHistogram} testId="chart-lossless" />
    </div>
  );
}

function formatP(p: number): string {
  if (p < 1e-4) return p.toExponential(1);
  return p.toFixed(p < 0.01 ? 4 : 3);
}

function clamp(v: number, lo: number, hi: number, fallback: number): number {
  if (!Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, Math.round(v)));
}
