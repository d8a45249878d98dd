import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, decodeConfig, encodeConfig } from '../../engine/config/index.ts';
import { probRows } from '../charts/probBars.ts';
import { diffIndexes, firstDivergence, summarize } from './compare.ts';
import { explainError } from './errors.ts';
import { formatBytes, formatNumber } from './format.ts';
import { bucketCounts, probBand, rankBucket } from './gltr.ts';
import { PRESETS, presetHref, presetState } from './presets.ts';
import { strategyThresholds } from './thresholds.ts';
import { branchPrompt, pct, tokenLabel, visibleToken } from './tokens.ts';
import { defaultCompare, readPageState, writePageState } from './urlState.ts';

describe('GLTR buckets', () => {
  it('buckets 0-based ranks into top-1 / top-10 / top-100 / rest', () => {
    expect([0, 1, 9, 10, 99, 100, 5000].map(rankBucket)).toEqual(['top1', 'top10', 'top10', 'top100', 'top100', 'rest', 'rest']);
  });
  it('treats nonsense ranks as rest', () => {
    expect(rankBucket(-1)).toBe('rest');
    expect(rankBucket(Number.NaN)).toBe('rest');
  });
  it('counts buckets', () => {
    expect(bucketCounts([0, 0, 3, 50, 700])).toEqual({ top1: 2, top10: 1, top100: 1, rest: 1 });
  });
  it('bands probabilities at their lower edges', () => {
    expect(probBand(0.5).label).toBe('≥ 50%');
    expect(probBand(0.49).label).toBe('20–50%');
    expect(probBand(0.0099).label).toBe('< 1%');
    expect(probBand(Number.NaN).label).toBe('< 1%');
  });
});

describe('page URL state', () => {
  it('round-trips config, mode and the compare config', () => {
    const config = { ...DEFAULT_CONFIG, temperature: 0.7, prompt: 'Hi & <b>there</b>', seed: 9 };
    const compare = defaultCompare(config);
    const q = writePageState({ config, mode: 'compare', compare });
    const back = readPageState(q);
    expect(back.warnings).toEqual([]);
    expect(back.config).toEqual(config);
    expect(back.mode).toBe('compare');
    expect(back.compare).toEqual(compare);
  });
  it('writes the plain canonical query in run mode', () => {
    expect(writePageState({ config: DEFAULT_CONFIG, mode: 'run' })).toBe('?' + encodeConfig(DEFAULT_CONFIG));
  });
  it('warns about a broken link and falls back to defaults', () => {
    const s = readPageState('?temperature=abc&strategy=nope&foo=1&mode=weird');
    expect(s.config.temperature).toBe(1);
    expect(s.config.strategy).toBe(DEFAULT_CONFIG.strategy);
    expect(s.mode).toBe('run');
    expect(s.warnings.join('\n')).toMatch(/temperature=abc/);
    expect(s.warnings.join('\n')).toMatch(/foo/);
    expect(s.warnings.join('\n')).toMatch(/mode="weird"/);
    expect(s.warnings).toHaveLength(4);
  });
  it('never sees the page keys as unknown config keys', () => {
    expect(readPageState('?mode=classroom').warnings).toEqual([]);
  });
  it('forces compare B onto A prompt, seed and model', () => {
    const s = readPageState('?seed=5&prompt=abc&mode=compare&b=' + encodeURIComponent('seed=9&prompt=zzz&strategy=greedy'));
    expect(s.compare?.seed).toBe(5);
    expect(s.compare?.prompt).toBe('abc');
    expect(s.compare?.strategy).toBe('greedy');
  });
  it('prefixes warnings of the second config', () => {
    expect(readPageState('?b=' + encodeURIComponent('top_p=7')).warnings[0]).toMatch(/^second config \(b\): top_p=7/);
  });
  it('survives garbage', () => {
    for (const q of ['?%', '?b=%E0%A4%A', '??&&==', '?mode', '?' + 'x'.repeat(10000)]) expect(() => readPageState(q)).not.toThrow();
  });
});

describe('token text', () => {
  it('makes invisible characters visible and marks edge spaces in labels', () => {
    expect(visibleToken('\n')).toBe('↵');
    expect(visibleToken('')).toBe('∅');
    expect(tokenLabel(' the')).toBe('␣the');
    expect(tokenLabel('abcdefghijklmnopqrstuvwxyz', 6)).toBe('abcde…');
  });
  it('formats probabilities readably', () => {
    expect(pct(0.5)).toBe('50.0%');
    expect(pct(0.0437)).toBe('4.37%');
    expect(pct(0.00035)).toBe('0.035%');
    expect(pct(1e-7)).toBe('<0.01%');
    expect(pct(0)).toBe('0%');
  });
  it('builds a branch prompt from the text before the step plus the candidate', () => {
    expect(branchPrompt('The old', [' man', ' was', ' tired'], 1, ' sat')).toBe('The old man sat');
    expect(branchPrompt('A', ['b'], 0, 'c')).toBe('Ac');
  });
});

describe('probability rows', () => {
  const raw = [
    { id: 1, text: 'a', prob: 0.5 },
    { id: 2, text: 'b', prob: 0.3 },
    { id: 3, text: 'c', prob: 0.1 },
  ];
  it('marks tokens the processors removed', () => {
    const rows = probRows({ raw, processed: [{ id: 1, text: 'a', prob: 0.62 }, { id: 2, text: 'b', prob: 0.38 }], chosenId: 2 });
    expect(rows.map((r) => [r.id, r.removed, r.chosen])).toEqual([
      [1, false, false],
      [2, false, true],
      [3, true, false],
    ]);
  });
  it('adds the emitted token when it ranked outside the lists', () => {
    const rows = probRows({ raw, processed: raw, chosenId: 99, chosen: { text: 'z', prob: 0.001, processedProb: 0.001, rank: 420 }, rows: 3 });
    expect(rows).toHaveLength(4);
    expect(rows[3]).toMatchObject({ id: 99, chosen: true, outsideRank: 420 });
  });
});

describe('compare helpers', () => {
  const t = (ids: number[]) => ids.map((id) => ({ id }));
  it('finds differing positions and the first divergence', () => {
    expect([...diffIndexes(t([1, 2, 3]), t([1, 5, 3, 4]))]).toEqual([1, 3]);
    expect(firstDivergence(t([1, 2]), t([1, 2]))).toBeNull();
    expect(firstDivergence(t([1, 2]), t([1, 3]))).toBe(1);
  });
  it('summarizes an empty run without dividing by zero', () => {
    expect(summarize([]).meanProb).toBe(0);
  });
});

describe('presets', () => {
  it('every preset is a link that decodes without warnings', () => {
    for (const p of PRESETS) {
      const href = presetHref(p);
      const back = readPageState(href);
      expect(back.warnings, p.id).toEqual([]);
      expect(back.mode).toBe(p.mode);
      expect(decodeConfig(encodeConfig(presetState(p).config)).config).toEqual(presetState(p).config);
    }
  });
});

describe('misc', () => {
  it('draws the active strategy thresholds', () => {
    expect(strategyThresholds({ ...DEFAULT_CONFIG, strategy: 'adadec', adadec_tau: 0.8 })).toEqual([{ label: 'AdaDec τ', value: 0.8, of: 'entropy' }]);
    expect(strategyThresholds(DEFAULT_CONFIG)).toEqual([]);
  });
  it('explains common load failures', () => {
    expect(explainError('Failed to fetch', { model: 'x/y' }).title).toMatch(/network/);
    expect(explainError('Could not locate file: "https://huggingface.co/x/y/resolve/main/config.json".', { model: 'x/y' }).title).toMatch(/not found/);
    expect(explainError('RangeError: Array buffer allocation failed', { model: 'x/y' }).title).toBe('Out of memory');
    expect(explainError('anything', { model: 'x/y', online: false }).title).toMatch(/network/);
  });
  it('formats numbers and bytes', () => {
    expect(formatNumber(4294967295)).toBe('4294967295');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatBytes(140_000_000)).toBe('140 MB');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});

import { analysisTokens } from './analysis.ts';

describe('analyze mode', () => {
  it('keeps the analyzed text in the link', () => {
    const q = writePageState({ config: DEFAULT_CONFIG, mode: 'analyze', text: 'A & B <i>' });
    const s = readPageState(q);
    expect(s.mode).toBe('analyze');
    expect(s.text).toBe('A & B <i>');
    expect(s.warnings).toEqual([]);
  });
  it('turns an analysis into token events', () => {
    const toks = analysisTokens({
      model: 'm',
      perplexity: 3,
      truncated: 0,
      tokens: [{ index: 1, id: 7, text: ' x', rank: 3, prob: 0.1, logprob: Math.log(0.1), entropy: 2, varentropy: 1, top: [{ id: 1, text: 'a', prob: 0.3 }] }],
    });
    expect(toks[0]).toMatchObject({ type: 'token', index: 0, position: 1, id: 7, rank: 3, rawTop: [{ id: 1, text: 'a', prob: 0.3 }], processedTop: [] });
  });
});
