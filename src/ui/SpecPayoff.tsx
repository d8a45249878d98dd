import { useMemo } from 'react';
import { specPayoff } from '../engine/analysis/specPayoff.ts';
import type { RunStats } from '../engine/trace/types.ts';
import { Chart } from './Chart.tsx';
import { drawSpecPayoff } from './charts/specPayoff.ts';

const x = (v: number) => `${v.toFixed(2)}×`;
const ms = (v: number) => `${v < 10 ? v.toFixed(2) : Math.round(v)} ms`;

/**
 * Does speculation pay? The cost model (engine/analysis/specPayoff.ts) on this run's measured
 * acceptance rate `alpha`, draft length `gamma` and forward times, beside the speedup it measured.
 * Needs the run's end stats (its timing).
 */
export function SpecPayoff({ stats, alpha, gamma }: { stats?: RunStats; alpha: number; gamma: number }) {
  const p = useMemo(() => (stats ? specPayoff(stats, alpha, gamma) : undefined), [stats, alpha, gamma]);
  if (!p || !stats) {
    return (
      <section className="spec-payoff" data-testid="spec-payoff">
        <h3>Does speculation pay?</h3>
        <p className="muted">Shown when the run ends: it needs the run’s forward-pass timings.</p>
      </section>
    );
  }
  if (gamma < 1) {
    return (
      <section className="spec-payoff" data-testid="spec-payoff">
        <h3>Does speculation pay?</h3>
        <p className="muted">Nothing was drafted in this run, so every step was one plain target pass.</p>
      </section>
    );
  }
  const breakEven = Number.isFinite(p.breakEven) ? p.breakEven.toFixed(2) : 'never';
  const pays = p.alpha > p.breakEven;
  return (
    <section className="spec-payoff" data-testid="spec-payoff" aria-labelledby="payoff-h">
      <h3 id="payoff-h">Does speculation pay?</h3>
      <p className="small-text">
        A verification step costs one target pass plus γ draft passes (each c of a target pass) and yields 1 to γ + 1 tokens. It pays when the acceptance rate α is above
        break-even.
      </p>
      <dl className="payoff-figures">
        <Figure label="cost ratio c" value={p.costRatio.toFixed(2)} testId="payoff-c" note={stats.draftForwards ? `draft pass ${ms(p.draftPassMs)} ÷ target pass ${ms(p.targetPassMs)}` : 'no draft model: drafting is free'} />
        <Figure label="acceptance α" value={p.alpha.toFixed(2)} testId="payoff-alpha" note={`per drafted token · γ\u00a0=\u00a0${p.gamma} drafts per step`} />
        <Figure label="break-even α" value={breakEven} testId="payoff-break-even" note={Number.isFinite(p.breakEven) ? `pays above this α; this run is ${pays ? 'above' : 'below'}` : 'never: c > 1, a draft pass costs more than a target pass'} />
        <Figure label="predicted speedup" value={x(p.predicted)} testId="payoff-predicted" note={`${p.expectedTokens.toFixed(2)} tokens ÷ ${(1 + p.gamma * p.costRatio).toFixed(2)} target passes per step`} />
        <Figure label="measured speedup" value={x(p.measured)} testId="payoff-measured" note={`${ms(p.baselineMs)} plain ÷ ${ms(p.wallMs)} this run`} />
        <Figure
          label="kernels' share"
          value={`${Math.round((100 * stats.timing.kernelsMs) / Math.max(stats.wallMs, 1e-9))}%`}
          testId="payoff-kernels"
          note={`${ms(stats.timing.kernelsMs)} sampling and verification (${ms(stats.timing.draftKernelsMs)} on draft rows), not in the prediction`}
        />
      </dl>
      <Chart name="spec-payoff" title="Predicted speedup vs acceptance rate, and this run" data={p} height={230} draw={drawSpecPayoff} testId="chart-spec-payoff">
        <p className="small-text chart-note">
          Predicted = (1 − α<sup>γ+1</sup>) / (1 − α) tokens per step ÷ (1 + γ·c) target passes per step (Leviathan et al.), forward passes only. Measured = {stats.tokensEmitted}{' '}
          tokens × {ms(p.targetPassMs)} (this run’s mean target pass: what plain decoding would spend in the model) ÷ {ms(p.wallMs)} (this run’s whole wall time, its kernels and
          bookkeeping included).
        </p>
      </Chart>
    </section>
  );
}

function Figure({ label, value, note, testId }: { label: string; value: string; note: string; testId: string }) {
  return (
    <div className="payoff-figure">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="payoff-note">{note}</dd>
    </div>
  );
}
