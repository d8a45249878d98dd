/**
 * The kept-set chart for the selected step: on request, the worker reruns the target on that
 * step's prefix and counts how many tokens top-p, min-p and top-n-sigma keep over a temperature
 * grid. On request only: the forward pass must not compete with a run in flight.
 */
import { useState } from 'react';
import type { DecodeConfig } from '../engine/config/index.ts';
import { temperatureGrid, type KeptSetSettings } from '../engine/analysis/keptSet.ts';
import type { TokenEvent } from '../engine/trace/types.ts';
import { Chart } from './Chart.tsx';
import { drawKeptSet, type KeptSetData } from './charts/keptSet.ts';
import { engine } from './lib/engineClient.ts';

/** Top-n-sigma's n: the paper's default (the config has no key for it). */
const N_SIGMA = 1;

/** The config's cut-offs, or illustrative ones where the config leaves them off. */
export function keptSetSettings(c: DecodeConfig): { settings: KeptSetSettings; illustrative: string[] } {
  const illustrative: string[] = [];
  if (c.top_p >= 1) illustrative.push('top-p');
  if (c.min_p <= 0) illustrative.push('min-p');
  return { settings: { topP: c.top_p < 1 ? c.top_p : 0.9, minP: c.min_p > 0 ? c.min_p : 0.1, nSigma: N_SIGMA }, illustrative };
}

export function KeptSetView({ tokens, selected, config }: { tokens: readonly TokenEvent[]; selected: number | null; config: DecodeConfig }) {
  const [shown, setShown] = useState<{ step: number; data: KeptSetData; note?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (selected === null || !tokens[selected]) return null;
  const step = selected;
  const { settings, illustrative } = keptSetSettings(config);

  const compute = async () => {
    setBusy(true);
    setError(null);
    try {
      const token = tokens[step];
      const emitted = tokens.slice(0, step).map((t) => t.id);
      const r = await engine().keptSet(config, emitted, settings, temperatureGrid());
      const note = token.position !== r.promptTokens + step ? 'The prompt has changed since this run: the counts are for the current prompt.' : undefined;
      setShown({ step, data: { points: r.points, settings, vocab: r.vocab, temperature: token.temperature > 0 ? token.temperature : undefined }, note });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="kept-set" data-testid="kept-set">
      <div className="row">
        <button type="button" className="small" data-testid="kept-set-show" disabled={busy} onClick={() => void compute()}>
          {busy ? 'Computing…' : shown?.step === step ? `Recompute kept-set sizes at step ${step}` : `How many tokens do top-p, min-p and top-n-sigma keep at step ${step}?`}
        </button>
      </div>
      {error && <p className="warn">{error}</p>}
      {shown && (
        <Chart name={`kept-set-step-${shown.step}`} title={`Tokens kept at step ${shown.step} as the temperature varies`} data={shown.data} height={300} draw={drawKeptSet} testId="chart-kept-set">
          <p className="small-text chart-note">
            Recomputed from the step’s full logits (one target pass over its prefix); each rule alone after temperature.{' '}
            {illustrative.length ? `${illustrative.join(' and ')} ${illustrative.length > 1 ? 'are' : 'is'} off in this configuration: shown at a typical value. ` : ''}
            Top-p and min-p keep more tokens as T flattens the distribution; top-n-sigma (keep logits within n standard deviations of the top) is a flat line: dividing by T scales the gap and the spread alike, so its cut does not move.
            {shown.note ? ` ${shown.note}` : ''}
          </p>
        </Chart>
      )}
    </div>
  );
}
