import { describe, expect, it } from 'vitest';
import type { StrategyEvent } from '../../engine/trace/types.ts';
import { eventsByStep, stepAt, timelineMarkers } from './strategyEvents.ts';

const tokens = [{ position: 5 }, { position: 6 }, { position: 7 }];
const entropix = (position: number, quadrant: 'low-low' | 'high-high'): StrategyEvent =>
  ({ type: 'strategy', kind: 'entropix', position, data: { entropy: 1, varentropy: 1, quadrant, action: 'x' } }) as StrategyEvent;
const cntp = (position: number): StrategyEvent =>
  ({ type: 'strategy', kind: 'cntp', position, data: { entropy: 2, trials: [{ ids: [1], text: 'a', perplexity: 3 }, { ids: [2], text: 'b', perplexity: 2 }], winner: 1 } }) as StrategyEvent;

describe('strategy events on the token axis', () => {
  it('maps absolute positions to generated-token steps', () => {
    expect(stepAt(tokens, 6)).toBe(1);
    expect(stepAt(tokens, 4)).toBeNull();
    expect(stepAt(tokens, 9)).toBeNull();
    expect(stepAt([], 3)).toBeNull();
  });
  it('groups events by step', () => {
    const m = eventsByStep(tokens, [cntp(5), entropix(5, 'high-high'), cntp(7), cntp(99)]);
    expect([...m.keys()]).toEqual([0, 2]);
    expect(m.get(0)).toHaveLength(2);
  });
  it('marks only the steps where a strategy acted', () => {
    const markers = timelineMarkers(tokens, [entropix(5, 'low-low'), entropix(6, 'high-high'), cntp(7)]);
    expect(markers).toEqual([
      { step: 1, kind: 'entropix', label: 'entropix: high-high' },
      { step: 2, kind: 'cntp', label: 'CNTP 2 trials' },
    ]);
  });
});
