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

import { acceptanceByPosition, draftTree, specStats } from './speculative.ts';
import type { SpecStepData } from '../../engine/trace/strategy-events.ts';

const chain = (accepted: number, k: number): SpecStepData => ({
  method: 'chain',
  nodes: Array.from({ length: k }, (_, i) => ({
    id: i,
    parent: i - 1,
    token: 10 + i,
    text: `t${i}`,
    depth: i + 1,
    q: 0.5,
    p: 0.4,
    status: i < accepted ? ('accepted' as const) : i === accepted ? ('rejected' as const) : ('unverified' as const),
  })),
  accepted,
  next: { id: 99, text: 'x', kind: accepted === k ? 'bonus' : 'residual' },
  targetForwards: 1,
  draftForwards: k,
});

describe('speculative helpers', () => {
  it('computes acceptance by draft position', () => {
    // inferred: a rejection at depth d means depths > d were never reached
    expect(acceptanceByPosition([chain(2, 4), chain(0, 4), chain(4, 4)])).toEqual([
      { position: 1, drafted: 3, accepted: 2, rate: 2 / 3 },
      { position: 2, drafted: 2, accepted: 2, rate: 1 },
      { position: 3, drafted: 2, accepted: 1, rate: 1 / 2 },
      { position: 4, drafted: 1, accepted: 1, rate: 1 },
    ]);
    // recorded by the engine
    const withDepths = { ...chain(1, 3), depths: [{ drafted: 1, reached: true, accepted: true }, { drafted: 1, reached: true, accepted: false }, { drafted: 1, reached: false, accepted: false }] };
    expect(acceptanceByPosition([withDepths])).toEqual([
      { position: 1, drafted: 1, accepted: 1, rate: 1 },
      { position: 2, drafted: 1, accepted: 0, rate: 0 },
    ]);
  });
  it('computes running stats', () => {
    const s = specStats([chain(2, 4), chain(4, 4)]);
    expect(s.meanAccepted).toBe(3);
    expect(s.tokensPerStep).toBe(4);
    expect(s.targetForwardsPerToken).toBe(2 / 8);
    expect(s.draftForwards).toBe(8);
    expect(specStats([]).steps).toBe(0);
  });
  it('builds the draft tree under a root', () => {
    const t = draftTree(chain(1, 3));
    expect(t.status).toBe('root');
    expect(t.children[0].text).toBe('t0');
    expect(t.children[0].children[0].status).toBe('rejected');
    expect(t.children[0].children[0].children[0].status).toBe('unverified');
  });
});
