import { useMemo } from 'react';
import type { StrategyEvent, TokenEvent } from '../engine/trace/types.ts';
import { Chart } from './Chart.tsx';
import { drawAcceptance, drawDraftTree } from './charts/draftTree.ts';
import { acceptanceByPosition, draftTree, specStats } from './lib/speculative.ts';
import type { SpecStepData } from '../engine/trace/strategy-events.ts';
import { stepAt } from './lib/strategyEvents.ts';
import { pct, tokenLabel } from './lib/tokens.ts';

/** Only rendered when the run has speculative draft/verify events. */
export function SpeculativeView({ tokens, events, selected, tokensPerSecond }: { tokens: readonly TokenEvent[]; events: readonly StrategyEvent[]; selected: number | null; tokensPerSecond?: number }) {
  const steps = useMemo(
    () => events.filter((e) => e.kind === 'spec').map((e) => ({ at: stepAt(tokens, e.position), data: (e as StrategyEvent<'spec'>).data })),
    [events, tokens],
  );
  const data = steps.map((s) => s.data);
  const stats = specStats(data);
  const acc = useMemo(() => acceptanceByPosition(data), [data]);
  let current: { at: number | null; data: SpecStepData } | undefined;
  for (const s of steps) if (s.at !== null && selected !== null && s.at <= selected) current = s;
  current ??= steps[steps.length - 1];
  const tree = useMemo(() => (current ? { tree: draftTree(current.data), next: current.data.next } : null), [current]);
  if (!steps.length || !tree || !current) return null;
  const depth = current.data.nodes.reduce((m, n) => Math.max(m, n.depth), 0);
  const width = current.data.nodes.filter((n) => n.depth === 1).length;
  return (
    <section className="panel view" data-testid="view-speculative" aria-labelledby="spec-h">
      <h2 id="spec-h">
        Speculative decoding <span className="sub">— verification step {steps.indexOf(current) + 1} of {steps.length} ({current.data.method})</span>
      </h2>
      <p className="stats" data-testid="spec-stats">
        {stats.steps} verification steps · mean accepted length {stats.meanAccepted.toFixed(2)} · {stats.tokensPerStep.toFixed(2)} tokens per target pass ·{' '}
        {stats.targetForwardsPerToken.toFixed(2)} target forward passes per token · {stats.draftForwards} draft passes
        {tokensPerSecond ? ` · ${tokensPerSecond.toFixed(1)} tokens/s` : ''}
      </p>
      <div className="chart-grid">
        {current.data.nodes.length ? (
          <Chart name="draft-tree" title="Draft tree: what the draft proposed and what the target kept" data={tree} height={Math.max(200, 70 + Math.max(width, 2) * 60 + depth * 4)} draw={drawDraftTree} testId="chart-draft-tree" />
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
      </div>
    </section>
  );
}
