/**
 * Entropix-style decoding on the embedded target (quadrants, actions, determinism), and the
 * behaviour shared by the four rerank-family strategies: same seed, same tokens; a prompt near the
 * context limit ends with a clear "context full" error after the tokens that fit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecodeConfig } from '../config/index.ts';
import type { StrategyEvent } from '../trace/types.ts';
import { entropixQuadrant } from './entropix.ts';
import { config, runTrace, tokenIds, useEmbeddedModels } from '../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels();
const run = (c: DecodeConfig) => runTrace(c, models);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('entropix quadrants', () => {
  it('classifies by strict thresholds', () => {
    expect(entropixQuadrant(1, 1, 1, 1)).toBe('low-low');
    expect(entropixQuadrant(1.01, 1, 1, 1)).toBe('high-entropy');
    expect(entropixQuadrant(1, 1.01, 1, 1)).toBe('high-varentropy');
    expect(entropixQuadrant(2, 2, 1, 1)).toBe('high-high');
  });
});

describe('entropix on the embedded target', () => {
  const prompt = 'She opened the door and';
  let thresholds: { entropix_entropy_threshold: number; entropix_varentropy_threshold: number };

  beforeAll(async () => {
    // Thresholds at the medians of a greedy run, so that every quadrant occurs whatever the weights.
    const g = await run(config({ strategy: 'greedy', prompt, max_new_tokens: 40 }));
    thresholds = {
      entropix_entropy_threshold: Math.round(median(g.tokens.map((t) => t.entropy)) * 100) / 100,
      entropix_varentropy_threshold: Math.round(median(g.tokens.map((t) => t.varentropy)) * 100) / 100,
    };
  });

  it('classifies every step by its entropy and varentropy and takes the quadrant action', async () => {
    const t = await run(config({ strategy: 'entropix', ...thresholds, entropix_branches: 4, seed: 4, prompt, max_new_tokens: 40 }));
    expect(t.end.reason, t.end.error).not.toBe('error');
    const events = t.events as StrategyEvent<'entropix'>[];
    expect(events).toHaveLength(t.tokens.length);
    const seen = new Set<string>();
    events.forEach((e, i) => {
      const tok = t.tokens[i];
      expect(e.position).toBe(tok.position);
      expect(e.data.entropy).toBeCloseTo(tok.entropy, 9);
      expect(e.data.varentropy).toBeCloseTo(tok.varentropy, 9);
      expect(e.data.quadrant).toBe(entropixQuadrant(tok.entropy, tok.varentropy, thresholds.entropix_entropy_threshold, thresholds.entropix_varentropy_threshold));
      seen.add(e.data.quadrant);
      if (e.data.quadrant === 'low-low') {
        // Argmax (repetition penalty off: the raw top token).
        expect(tok.id).toBe(tok.rawTop[0].id);
        expect(tok.source).toBe('greedy');
      } else if (e.data.quadrant === 'high-varentropy') {
        const probs = e.data.branches!.map((b) => b.prob);
        expect(e.data.branches).toHaveLength(4);
        expect(probs[e.data.branch!]).toBe(Math.max(...probs));
        expect(tok.id).toBe(e.data.branches![e.data.branch!].id);
      } else {
        expect(e.data.temperature).toBe(e.data.quadrant === 'high-entropy' ? 1.3 : 2);
        expect(tok.temperature).toBe(e.data.temperature);
        expect(tok.source).toBe('sampled');
      }
    });
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const c = config({ strategy: 'entropix', ...thresholds, seed: 12, prompt, max_new_tokens: 24 });
    const a = await run(c);
    expect(tokenIds(await run(c))).toEqual(tokenIds(a));
    expect(tokenIds(await run({ ...c, seed: 13 }))).not.toEqual(tokenIds(a));
  });

  it('inserts the pause text at high-entropy, low-varentropy steps, never twice in a row', async () => {
    const pause = ' ...';
    const t = await run(
      config({ strategy: 'entropix', entropix_entropy_threshold: 0, entropix_varentropy_threshold: 100, entropix_pause_text: pause, seed: 2, prompt, max_new_tokens: 12 }),
    );
    expect(t.end.reason, t.end.error).not.toBe('error');
    const events = t.events as StrategyEvent<'entropix'>[];
    expect(events.every((e) => e.data.quadrant === 'high-entropy')).toBe(true);
    const pauses = events.filter((e) => e.data.pause === pause);
    expect(pauses.length).toBeGreaterThan(0);
    events.forEach((e, i) => {
      if (i > 0 && events[i - 1].data.pause) expect(e.data.pause).toBeUndefined();
    });
    const n = models.target.encode(pause).length;
    for (const e of pauses) {
      const at = t.tokens.findIndex((x) => x.position === e.position);
      const inserted = t.tokens.slice(at, at + n);
      expect(inserted.map((x) => x.id)).toEqual(models.target.encode(pause).slice(0, inserted.length));
      expect(inserted.every((x) => x.source === 'forced')).toBe(true);
    }
    t.tokens.forEach((x, i) => expect(x.position).toBe(t.start.promptTokens.length + i));
  });
});

describe('beam, AdaDec, CNTP and entropix together', () => {
  const STRATS = [
    { strategy: 'beam', num_beams: 3 },
    { strategy: 'adadec', adadec_tau: 0.5 },
    { strategy: 'cntp', cntp_max_trials: 4 },
    { strategy: 'entropix' },
  ];

  it('same seed, same tokens and events', async () => {
    for (const s of STRATS) {
      const c = config({ ...s, seed: 77, prompt: 'In the morning', max_new_tokens: 10, temperature: 0.9 });
      const a = await run(c);
      const b = await run(c);
      expect(a.end.reason, a.end.error).not.toBe('error');
      expect(tokenIds(a), s.strategy).toEqual(tokenIds(b));
      expect(a.events).toEqual(b.events);
    }
  });

  it('a prompt near the context limit: the tokens that fit, then a "context full" error', async () => {
    // A prompt of maxPositions - 3 tokens leaves room for 4 generated tokens (the last is never fed back).
    const words = 'the old man said that it was not a good day for the jury and she opened the door'.split(' ');
    let text = '';
    for (let i = 0; models.target.encode(text).length < models.target.info.maxPositions - 3; i++) text += (i ? ' ' : '') + words[i % words.length];
    while (models.target.encode(text).length > models.target.info.maxPositions - 3) text = text.slice(0, -1);
    const P = models.target.encode(text).length;
    expect(text.length).toBeLessThanOrEqual(4000);
    const room = models.target.info.maxPositions - P + 1;
    for (const s of [...STRATS, { strategy: 'beam', num_beams: 16 }, { strategy: 'cntp', cntp_max_trials: 32, cntp_entropy_max: 0.02 }, { strategy: 'adadec', adadec_tau: 0, adadec_candidates: 16, adadec_lookahead: 32 }]) {
      const t = await run(config({ ...s, seed: 1, prompt: text, max_new_tokens: 20 }));
      expect(t.tokens.length, s.strategy).toBeLessThanOrEqual(room);
      if (t.end.reason !== 'eos') {
        expect(t.end.reason, JSON.stringify(s)).toBe('error');
        expect(t.end.error).toMatch(/context full/);
        expect(t.tokens.length, s.strategy).toBe(room);
      }
    }
  });
});
