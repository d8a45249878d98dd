/** Strategy events (AdaDec, CNTP, entropix, beam, speculative) placed on the generated-token axis. */
import type { StrategyEvent, TokenEvent } from '../../engine/trace/types.ts';

export interface Marker {
  step: number;
  kind: StrategyEvent['kind'];
  label: string;
}

/** Index of the generated token at an absolute sequence position (null when outside the output). */
export function stepAt(tokens: readonly Pick<TokenEvent, 'position'>[], position: number): number | null {
  const i = tokens.findIndex((t) => t.position === position);
  if (i >= 0) return i;
  if (tokens.length && position >= tokens[0].position) {
    const j = position - tokens[0].position;
    return j < tokens.length ? j : null;
  }
  return null;
}

/** Events grouped by the generated token they belong to. */
export function eventsByStep(tokens: readonly Pick<TokenEvent, 'position'>[], events: readonly StrategyEvent[]): Map<number, StrategyEvent[]> {
  const out = new Map<number, StrategyEvent[]>();
  for (const e of events) {
    const s = stepAt(tokens, e.position);
    if (s === null) continue;
    const list = out.get(s) ?? [];
    list.push(e);
    out.set(s, list);
  }
  return out;
}

function label(e: StrategyEvent): string {
  switch (e.kind) {
    case 'adadec':
      return 'AdaDec rerank';
    case 'cntp':
      return `CNTP ${(e as StrategyEvent<'cntp'>).data.trials.length} trials`;
    case 'entropix':
      return `entropix: ${(e as StrategyEvent<'entropix'>).data.quadrant}`;
    case 'spec':
      return `verify: ${(e as StrategyEvent<'spec'>).data.accepted} accepted`;
    case 'beam':
      return 'beam step';
    default:
      return String((e as StrategyEvent).kind);
  }
}

/** Timeline markers: where a strategy acted (entropix low-low steps and beam steps are not "acting"). */
export function timelineMarkers(tokens: readonly Pick<TokenEvent, 'position'>[], events: readonly StrategyEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const [step, list] of eventsByStep(tokens, events)) {
    for (const e of list) {
      if (e.kind === 'beam' || e.kind === 'spec') continue;
      if (e.kind === 'entropix' && (e as StrategyEvent<'entropix'>).data.quadrant === 'low-low') continue;
      out.push({ step, kind: e.kind, label: label(e) });
    }
  }
  return out.sort((a, b) => a.step - b.step);
}
