import { useCallback, useMemo } from 'react';
import type { DecodeConfig } from '../engine/config/index.ts';
import type { StrategyEvent, TokenEvent } from '../engine/trace/types.ts';
import { timelineMarkers } from './lib/strategyEvents.ts';
import { Chart } from './Chart.tsx';
import { KeptSetView } from './KeptSetView.tsx';
import { drawEntropyTimeline, type TimelineData } from './charts/entropyTimeline.ts';
import { drawProbBars, type ProbBarsData } from './charts/probBars.ts';
import { drawWaterfall, type WaterfallData } from './charts/waterfall.ts';
import { strategyThresholds } from './lib/thresholds.ts';
import { tokenLabel } from './lib/tokens.ts';

/** How the waterfall names the chain order (`sampler_order`): its rows run top to bottom in it. */
export function samplerOrderLabel(order: string): string {
  if (order === 'hf') return 'Hugging Face order';
  if (order === 'llamacpp') return 'llama.cpp order';
  return 'custom order';
}

/** The processor waterfall of one step; its rows run top to bottom in the chain's order. */
export function WaterfallChart({ token, index, vocabSize, samplerOrder, name = 'waterfall' }: { token: TokenEvent; index: number; vocabSize: number; samplerOrder: string; name?: string }) {
  const fall = useMemo<WaterfallData>(() => ({ vocabSize, stages: token.stages }), [token, vocabSize]);
  return (
    <Chart
      name={`${name}-step-${index}`}
      title={`Processor waterfall (${samplerOrderLabel(samplerOrder)}, top to bottom)`}
      data={fall}
      height={Math.max(170, 110 + 44 * (fall.stages.length + 1))}
      draw={drawWaterfall}
      testId="chart-waterfall"
    />
  );
}

export function ProbabilityView({ token, index, vocabSize, samplerOrder }: { token: TokenEvent | undefined; index: number | null; vocabSize: number; samplerOrder: string }) {
  const bars = useMemo<ProbBarsData | null>(() => (token ? { raw: token.rawTop, processed: token.processedTop, chosenId: token.id, chosen: token, rows: 10 } : null), [token]);
  return (
    <section className="panel view" data-testid="view-probabilities" aria-labelledby="prob-h">
      <h2 id="prob-h">
        Probabilities {token && index !== null ? <span className="sub">at step {index} (emitted “{tokenLabel(token.text, 20)}”)</span> : null}
      </h2>
      {bars && token && index !== null ? (
        <div className="chart-grid">
          <Chart name={`probabilities-step-${index}`} title="Raw vs processed top-10" data={bars} height={380} draw={drawProbBars} testId="chart-probabilities" />
          <WaterfallChart token={token} index={index} vocabSize={vocabSize} samplerOrder={samplerOrder} />
        </div>
      ) : (
        <p className="muted">Run the model to see the distribution behind each token.</p>
      )}
    </section>
  );
}

export function EntropyView({
  tokens,
  events = [],
  selected,
  config,
  onSelect,
  xLabel,
  keptSet = true,
}: {
  xLabel?: string;
  /** Offer the kept-set chart for the selected step (generated runs only: it reruns the prompt's prefix). */
  keptSet?: boolean;
  tokens: readonly TokenEvent[];
  events?: readonly StrategyEvent[];
  selected: number | null;
  config: DecodeConfig;
  onSelect: (i: number) => void;
}) {
  const data = useMemo<TimelineData>(
    () => ({
      points: tokens.map((t) => ({ entropy: t.entropy, varentropy: t.varentropy, text: t.text })),
      selected,
      thresholds: strategyThresholds(config),
      markers: timelineMarkers(tokens, events),
      xLabel,
    }),
    [tokens, events, selected, config, xLabel],
  );
  const draw = useCallback((svg: SVGSVGElement, d: TimelineData, size: { width: number; height: number }) => drawEntropyTimeline(svg, d, size, onSelect), [onSelect]);
  return (
    <section className="panel view" data-testid="view-entropy" aria-labelledby="ent-h">
      <h2 id="ent-h">Entropy timeline</h2>
      {tokens.length ? (
        <Chart name="entropy-timeline" title="Uncertainty per generated token — click a step to inspect it" data={data} height={280} draw={draw} testId="chart-entropy" />
      ) : (
        <p className="muted">Entropy (how unsure the model is) and varentropy (how uneven that uncertainty is) appear here per token.</p>
      )}
      {keptSet && <KeptSetView tokens={tokens} selected={selected} config={config} />}
    </section>
  );
}
