/**
 * CNTP on the embedded target: Nmax = 1 is plain sampling with the same seed; the trial count
 * follows the entropy ramp; every trial ends at punctuation, EOS or its cap; the winner has the
 * lowest perplexity (recomputed from the trial's tokens) and its tokens are what is emitted.
 */
import { describe, expect, it } from 'vitest';
import type { DecodeConfig } from '../config/index.ts';
import type { StrategyEvent } from '../trace/types.ts';
import { cntpTrialCount, trialSub } from './cntp.ts';
import { isPunctuationToken } from './shared-rerank.ts';
import { config, runTrace, tokenIds, useEmbeddedModels } from '../../../tests/support/strategy-setup.ts';

const models = useEmbeddedModels();
const run = (c: DecodeConfig) => runTrace(c, models);
describe('CNTP trial count and RNG keys', () => {
  const c = { cntp_max_trials: 10, cntp_entropy_min: 0.01, cntp_entropy_max: 1.5 };
  it('follows the linear entropy ramp, truncated', () => {
    expect(cntpTrialCount(0, c)).toBe(1);
    expect(cntpTrialCount(0.01, c)).toBe(1);
    expect(cntpTrialCount(1.5, c)).toBe(10);
    expect(cntpTrialCount(9, c)).toBe(10);
    expect(cntpTrialCount(0.01 + 1.49 / 2, c)).toBe(1 + Math.floor(4.5));
    expect(cntpTrialCount(5, { ...c, cntp_max_trials: 1 })).toBe(1);
    expect(cntpTrialCount(1, { ...c, cntp_entropy_min: 2, cntp_entropy_max: 2 })).toBe(1);
    expect(cntpTrialCount(2, { ...c, cntp_entropy_min: 2, cntp_entropy_max: 2 })).toBe(10);
  });
  it('gives every (position, trial) its own non-zero sub-stream', () => {
    const seen = new Set<number>();
    for (let p = 0; p < 600; p++) for (let t = 0; t < 32; t++) seen.add(trialSub(p, t));
    expect(seen.size).toBe(600 * 32);
    expect(seen.has(0)).toBe(false);
    expect(Math.max(...seen)).toBeLessThan(1 << 24);
  });
});

describe('CNTP', () => {
  const prompt = 'The jury said it did find that';

  it('with Nmax = 1 equals plain sampling with the same seed', async () => {
    for (const [seed, extra] of [
      [3, {}],
      [17, { temperature: 0.8, top_p: 0.9 }],
    ] as const) {
      const s = await run(config({ strategy: 'sample', seed, prompt, max_new_tokens: 24, ...extra }));
      const c = await run(config({ strategy: 'cntp', cntp_max_trials: 1, seed, prompt, max_new_tokens: 24, ...extra }));
      expect(tokenIds(c)).toEqual(tokenIds(s));
      expect(c.events).toEqual([]);
      expect(c.tokens.map((t) => t.source)).toEqual(s.tokens.map((t) => t.source));
    }
  });

  it('runs N(H) trials, each ends at punctuation, EOS or its cap, and emits the lowest-perplexity one', async () => {
    const cap = 6;
    const c = config({ strategy: 'cntp', seed: 5, prompt, max_new_tokens: 30, cntp_max_trials: 4, cntp_max_trial_tokens: cap });
    const t = await run(c);
    expect(t.end.reason, t.end.error).not.toBe('error');
    const events = t.events as StrategyEvent<'cntp'>[];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      const at = t.tokens.findIndex((x) => x.position === e.position);
      expect(at).toBeGreaterThanOrEqual(0);
      const tok = t.tokens[at];
      expect(e.data.entropy).toBeCloseTo(tok.entropy, 9);
      expect(e.data.trials.length).toBe(cntpTrialCount(e.data.entropy, c));
      const budget = c.max_new_tokens - at;
      for (const trial of e.data.trials) {
        const last = trial.ids.at(-1)!;
        const limit = Math.min(cap, budget);
        expect(trial.ids.length).toBeLessThanOrEqual(limit);
        // Only the last token may be punctuation / EOS; a trial without one is at its cap.
        expect(trial.ids.slice(0, -1).some((id) => isPunctuationToken(models.target, id) || models.target.isEos(id))).toBe(false);
        if (!isPunctuationToken(models.target, last) && !models.target.isEos(last)) expect(trial.ids.length).toBe(limit);
        expect(trial.stop).toBeDefined();
      }
      const ppl = e.data.trials.map((x) => x.perplexity);
      expect(ppl[e.data.winner]).toBe(Math.min(...ppl));
      const won = e.data.trials[e.data.winner];
      const emitted = t.tokens.slice(at, at + won.ids.length);
      expect(emitted.map((x) => x.id)).toEqual(won.ids.slice(0, emitted.length));
      expect(emitted.every((x) => x.source === 'trial-winner')).toBe(true);
      // Perplexity recomputed from the emitted tokens' processed probabilities.
      if (emitted.length === won.ids.length) {
        const nll = -emitted.reduce((a, x) => a + Math.log(x.processedProb), 0) / emitted.length;
        expect(ppl[e.data.winner]).toBeCloseTo(Math.exp(nll), 6);
      }
    }
    // Trials draw independent numbers: at high entropy they do not all coincide.
    expect(events.some((e) => new Set(e.data.trials.map((x) => x.ids.join())).size > 1)).toBe(true);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const c = config({ strategy: 'cntp', seed: 9, prompt, max_new_tokens: 16, cntp_max_trials: 3 });
    const a = await run(c);
    const b = await run(c);
    const d = await run({ ...c, seed: 10 });
    expect(tokenIds(a)).toEqual(tokenIds(b));
    expect(a.events).toEqual(b.events);
    expect(tokenIds(d)).not.toEqual(tokenIds(a));
  });

  it('survives 32 trials', async () => {
    const t = await run(config({ strategy: 'cntp', seed: 1, prompt, max_new_tokens: 4, cntp_max_trials: 32, cntp_entropy_max: 0.02 }));
    expect(t.end.reason, t.end.error).toBe('max_tokens');
    expect((t.events[0] as StrategyEvent<'cntp'>).data.trials).toHaveLength(32);
  });
});
