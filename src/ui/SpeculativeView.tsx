import { useContext, useMemo } from 'react';
import type { RunStats, StrategyEvent, TokenEvent } from '../engine/trace/types.ts';
import { acceptedLengthHistogram } from '../engine/analysis/acceptedLength.ts';
import { Chart, FontScale } from './Chart.tsx';
import { drawAcceptedLength } from './charts/acceptedLength.ts';
import { drawAcceptance, drawDraftTree, draftTreeHeight } from './charts/draftTree.ts';
import { LosslessCheck } from './LosslessCheck.tsx';
import { SpecPayoff } from './SpecPayoff.tsx';
import { acceptanceByPosition, draftTree, specStats } from './lib/speculative.ts';
import type { SpecStepData } from '../engine/trace/strategy-events.ts';
import { stepAt } from './lib/strategyEvents.ts';
import { pct, tokenLabel } from './lib/tokens.ts';

/** Only rendered when the run has speculative draft/verify events. `stats`: the run's end stats, once it ended. */
export function SpeculativeView({ tokens, events, selected, stats: run }: { tokens: readonly TokenEvent[]; events: readonly StrategyEvent[]; selected: number | null; stats?: RunStats }) {
  const steps = useMemo(
    () => events.filter((e) => e.kind === 'spec').map((e) => ({ at: stepAt(tokens, e.position), data: (e as StrategyEvent<'spec'>).data })),
    [events, tokens],
  );
  const data = steps.map((s) => s.data);
  const stats = specStats(data);
  const acc = useMemo(() => acceptanceByPosition(data), [data]);
  // Steps that drafted nothing have no accepted length to explain.
  const lengths = useMemo(() => {
    const drafted = data.filter((d) => d.nodes.length > 0);
    const alpha = meanRate(acc);
    const longest = drafted.reduce((m, d) => Math.max(m, ...d.nodes.map((n) => n.depth)), 0);
    return { alpha, longest, bins: acceptedLengthHistogram(drafted.map((d) => d.accepted), new Array<number>(longest).fill(alpha)) };
  }, [data, acc]);
  const font = useContext(FontScale);
  let current: { at: number | null; data: SpecStepData } | undefined;
  for (const s of steps) if (s.at !== null && selected !== null && s.at <= selected) current = s;
  current ??= steps[steps.length - 1];
  const tree = useMemo(() => (current ? { tree: draftTree(current.data), next: current.data.next } : null), [current]);
  if (!steps.length || !tree || !current) return null;
  return (
    <section className="panel view" data-testid="view-speculative" aria-labelledby="spec-h">
      <h2 id="spec-h">
        Speculative decoding <span className="sub">— verification step {steps.indexOf(current) + 1} of {steps.length} ({current.data.method})</span>
      </h2>
      <p className="stats" data-testid="spec-stats">
        {stats.steps} verification steps · mean accepted length {stats.meanAccepted.toFixed(2)} · {stats.tokensPerStep.toFixed(2)} tokens per target pass ·{' '}
        {stats.targetForwardsPerToken.toFixed(2)} target forward passes per token · {stats.draftForwards} draft passes
        {run ? ` · ${run.tokensPerSecond.toFixed(1)} tokens/s` : ''}
      </p>
      <div className="chart-grid">
        {current.data.nodes.length ? (
          <Chart name="draft-tree" title="Draft tree: what the draft proposed and what the target kept" data={tree} height={draftTreeHeight(tree.tree, font) / (1 + (font - 1) * 0.6)} draw={drawDraftTree} testId="chart-draft-tree" />
        ) : (
          <p data-testid="no-draft">
            Nothing was drafted at this step{current.data.stop ? ` (drafting stopped: ${current.data.stop})` : ''}: the target produced the {current.data.next.kind} token “
            {tokenLabel(current.data.next.text, 16)}” by itself. Pick an earlier token to see its draft tree.
          </p>
        )}
        {current.data.residualTop && current.data.residualTop.length > 0 && (
          <p className="small-text">
            After the rejection the token was resampled from the residual normalize(max(0, p − q)): top{' '}
            {current.data.residualTop.slice(0, 5).map((e) => `“${tokenLabel(e.text, 10)}” ${pct(e.prob)}`).join(', ')}.
          </p>
        )}
        <Chart name="acceptance-by-position" title="Acceptance by draft position (all steps so far)" data={acc} height={240} draw={drawAcceptance} testId="chart-acceptance" />
        <Chart name="accepted-length" title="Accepted length per verification step: measured vs predicted" data={lengths.bins} height={280} draw={drawAcceptedLength} testId="chart-accepted-length">
          <p className="small-text chart-note">
            Predicted as if every draft position were accepted independently with the run’s overall rate α = {lengths.alpha.toFixed(2)} (Leviathan et al.): P(length = k) = α<sup>k</sup>(1 − α), the longest bucket taking the rest (α<sup>K</sup>).
            Where the measured bars stand taller at both ends, acceptances come in streaks: easy phrases are accepted whole, hard ones rejected at once.
          </p>
        </Chart>
        <SpecPayoff stats={run} alpha={lengths.alpha} gamma={lengths.longest} />
        <LosslessCheck />
      </div>
    </section>
  );
}

/**
 * One acceptance rate for the whole run: accepted / reached over every position. (The per-position
 * rates would reproduce the measured histogram exactly: their product telescopes.)
 */
function meanRate(acc: readonly { drafted: number; accepted: number }[]): number {
  const reached = acc.reduce((s, a) => s + a.drafted, 0);
  return reached ? acc.reduce((s, a) => s + a.accepted, 0) / reached : 0;
}
