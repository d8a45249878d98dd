import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Chart } from './Chart.tsx';
import { drawCompareEntropy, type CompareEntropyData } from './charts/compareEntropy.ts';
import { PARAMS, configDiff, describeConfig, type DecodeConfig } from '../engine/config/index.ts';
import { ParamControl } from './ParamControl.tsx';
import { StrategySelect, strategyParams } from './PromptPanel.tsx';
import { TableHead } from './TableHead.tsx';
import { Candidates, TokenLegend, TokenStream } from './TokenStream.tsx';
import { WaterfallChart } from './Views.tsx';
import { useRunner, type RunData } from './hooks/useRunner.ts';
import { diffIndexes, firstDivergence, summarize } from './lib/compare.ts';
import { pct } from './lib/tokens.ts';
import { sharedWith } from './lib/urlState.ts';

/** Two configs side by side on the same prompt, seed and model (common random numbers). */
export function CompareView({
  a,
  b,
  onChangeB,
  ensureModel,
  onRan,
  runSignal = 0,
}: {
  a: DecodeConfig;
  b: DecodeConfig;
  onChangeB: (c: DecodeConfig) => void;
  ensureModel: (c: DecodeConfig) => Promise<boolean>;
  onRan: () => void;
  runSignal?: number;
}) {
  const A = useRunner();
  const B = useRunner();
  const [busy, setBusy] = useState(false);
  const bb = useMemo(() => sharedWith(a, b), [a, b]);
  const diffKeys = configDiff(a, bb);
  const diff = useMemo(() => diffIndexes(A.run.tokens, B.run.tokens), [A.run.tokens, B.run.tokens]);
  const first = firstDivergence(A.run.tokens, B.run.tokens);
  // One selection for both sides: click a token to compare the two distributions at that step.
  const [sel, setSel] = useState<number | null>(null);

  const runBoth = async () => {
    setBusy(true);
    onRan();
    try {
      if (!(await ensureModel(a))) return;
      await A.start(a);
      await B.start(bb);
    } finally {
      setBusy(false);
    }
  };
  const runRef = useRef(runBoth);
  runRef.current = runBoth;
  useEffect(() => {
    if (runSignal > 0) void runRef.current();
  }, [runSignal]);

  const done = A.run.status === 'done' && B.run.status === 'done';
  const chartData = useMemo<CompareEntropyData>(
    () => ({ a: A.run.tokens.map((t) => t.entropy), b: B.run.tokens.map((t) => t.entropy), divergence: first, selected: sel }),
    [A.run.tokens, B.run.tokens, first, sel],
  );
  const drawChart = useCallback((svg: SVGSVGElement, d: CompareEntropyData, size: { width: number; height: number; font?: number }) => drawCompareEntropy(svg, d, size, setSel), []);
  const sa = summarize(A.run.tokens);
  const sb = summarize(B.run.tokens);
  const rows: [string, (r: RunData, s: ReturnType<typeof summarize>) => string][] = [
    ['tokens', (_, s) => String(s.tokens)],
    ['mean probability of emitted token', (_, s) => pct(s.meanProb)],
    ['mean entropy (nats)', (_, s) => s.meanEntropy.toFixed(2)],
    ['tokens outside the top-10', (_, s) => String(s.outsideTop10)],
    ['distinct tokens', (_, s) => pct(s.distinctRatio)],
    ['forward passes', (r) => String(r.end?.stats.targetForwards ?? '–')],
    ['tokens / s', (r) => (r.end ? r.end.stats.tokensPerSecond.toFixed(1) : '–')],
    ['ended by', (r) => r.end?.reason.replace('_', ' ') ?? '–'],
  ];

  return (
    <section className="panel view" data-testid="view-compare" aria-labelledby="cmp-h">
      <div className="view-head">
        <h2 id="cmp-h">Compare two configurations</h2>
        <button type="button" className="primary" data-testid="compare-run" onClick={() => void runBoth()} disabled={busy}>
          ▶ Run both
        </button>
      </div>
      <p className="muted">
        Same prompt, seed and model on both sides, so the random numbers are shared: every difference comes from the settings.{' '}
        {diffKeys.length ? (
          <>
            Settings that differ:{' '}
            {diffKeys.map((k) => (
              <mark key={k} className="diffkey">
                {PARAMS[k].label}: {String(a[k])} → {String(bb[k])}
              </mark>
            ))}
          </>
        ) : (
          <strong>The two configurations are identical.</strong>
        )}
      </p>
      <div className="compare-grid">
        {[
          { side: 'A', cfg: a, r: A.run },
          { side: 'B', cfg: bb, r: B.run },
        ].map(({ side, cfg, r }) => (
          <div key={side} className="compare-col" data-testid={`compare-${side}`}>
            <h3>
              {side}: {describeConfig(cfg)}
            </h3>
            {side === 'A' ? (
              <p className="muted small-text">Edit A in the panel on the left.</p>
            ) : (
              <details className="b-editor">
                <summary>Edit B</summary>
                <StrategySelect config={bb} onChange={onChangeB} testId="strategy-select-b" />
                {strategyParams(bb.strategy).map((k) => (
                  <ParamControl key={k} k={k} config={bb} onChange={onChangeB} idPrefix="b-" />
                ))}
              </details>
            )}
            <TokenLegend tokens={r.tokens} mode="rank" />
            <TokenStream prompt={cfg.prompt} tokens={r.tokens} status={r.status} selected={sel} mode="rank" onSelect={setSel} testId={`output-${side}`} diff={done ? diff : undefined} />
            {sel !== null && r.tokens[sel] && (
              <>
                <Candidates token={r.tokens[sel]} index={sel} />
                <WaterfallChart token={r.tokens[sel]} index={sel} vocabSize={r.start?.vocabSize ?? 0} samplerOrder={cfg.sampler_order} name={`waterfall-${side}`} />
              </>
            )}
            {r.error && (
              <p className="warn" data-testid="error">
                {r.error}
              </p>
            )}
          </div>
        ))}
      </div>
      {done && (
        <>
          <p data-testid="divergence">
            {first === null ? 'The two outputs are identical.' : `The outputs part ways at token ${first}; differing tokens are outlined.`}
          </p>
          <Chart name="compare-entropy" title="Entropy per step, A vs B — click a step to compare the candidates" data={chartData} height={260} draw={drawChart} testId="chart-compare-entropy" />
          <table className="compare-stats" data-testid="compare-stats">
            <TableHead columns={['statistic', 'A', 'B']} />
            <tbody>
              {rows.map(([label, f]) => {
                const va = f(A.run, sa);
                const vb = f(B.run, sb);
                return (
                  <tr key={label} className={va !== vb ? 'differs' : ''}>
                    <th scope="row">{label}</th>
                    <td>{va}</td>
                    <td>{vb}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
