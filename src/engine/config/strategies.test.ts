import { describe, expect, it } from 'vitest';
import { STRATEGIES, COMMON_PARAMS, SAMPLING_PARAMS, paramsForStrategy } from './strategies.ts';
import { PARAMS, PARAM_KEYS, STRATEGY_IDS, DEFAULT_STRATEGY, isParamKey, type ParamKey } from './params.ts';
import { decodeConfig } from './url.ts';
import { configDiff, describeConfig } from './describe.ts';
import { DEFAULT_CONFIG, type DecodeConfig } from './params.ts';

describe('strategy registry', () => {
  it('lists every strategy of issue 6 with its documented parameters', () => {
    expect([...STRATEGY_IDS]).toEqual(['greedy', 'sample', 'beam', 'adadec', 'cntp', 'entropix', 'spec-chain', 'spec-tree', 'spec-rsd', 'spec-adaptive', 'prompt-lookup', 'recycling']);
    const own: Record<string, ParamKey[]> = {
      beam: ['num_beams', 'length_penalty'],
      adadec: ['adadec_tau', 'adadec_lookahead', 'adadec_candidates'],
      cntp: ['cntp_max_trials', 'cntp_entropy_min', 'cntp_entropy_max', 'cntp_max_trial_tokens'],
      entropix: ['entropix_entropy_threshold', 'entropix_varentropy_threshold'],
      'spec-chain': ['num_draft_tokens', 'relaxed_acceptance'],
      'spec-tree': ['tree_width', 'tree_depth', 'relaxed_acceptance'],
      'spec-rsd': ['relaxed_acceptance'],
      'spec-adaptive': ['draft_confidence', 'relaxed_acceptance'],
      'prompt-lookup': ['ngram_size', 'num_draft_tokens', 'relaxed_acceptance'],
      recycling: ['relaxed_acceptance'],
    };
    for (const [id, keys] of Object.entries(own)) expect(STRATEGIES[id as keyof typeof STRATEGIES].params).toEqual(expect.arrayContaining(keys));
  });

  it('each entry is keyed by its id, explained in one line, and names only real parameters once', () => {
    for (const id of STRATEGY_IDS) {
      const s = STRATEGIES[id];
      expect(s.id).toBe(id);
      expect(s.summary).toMatch(/^[^\n]{10,120}$/);
      expect(s.label.length).toBeGreaterThan(0);
      for (const k of s.params) expect(isParamKey(k), `${id}: ${k}`).toBe(true);
      expect(new Set(s.params).size).toBe(s.params.length);
    }
  });

  it('the default strategy is a registered one and the strategy key defaults to it', () => {
    expect(STRATEGY_IDS).toContain(DEFAULT_STRATEGY);
    expect(PARAMS.strategy.default).toBe(DEFAULT_STRATEGY);
  });

  it('every parameter is read by some strategy or is common (no orphan keys in links)', () => {
    const used = new Set<ParamKey>([...COMMON_PARAMS, 'strategy', 'draft', ...STRATEGY_IDS.flatMap((id) => STRATEGIES[id].params)]);
    expect(PARAM_KEYS.filter((k) => !used.has(k))).toEqual([]);
  });

  it('draft-model strategies are exactly the spec-* ones', () => {
    expect(STRATEGY_IDS.filter((id) => STRATEGIES[id].needsDraft)).toEqual(['spec-chain', 'spec-tree', 'spec-rsd', 'spec-adaptive']);
  });

  it('paramsForStrategy gives the controls to render, model first and prompt last', () => {
    expect(paramsForStrategy('greedy')).toEqual(['model', 'backend', 'dtype', 'max_new_tokens', 'seed', 'stop', 'chat', 'repetition_penalty', 'prompt']);
    const chain = paramsForStrategy('spec-chain');
    expect(chain.slice(0, 2)).toEqual(['model', 'draft']);
    const verifiable = SAMPLING_PARAMS.filter((k) => !['xtc_probability', 'xtc_threshold', 'mirostat', 'mirostat_tau', 'mirostat_eta'].includes(k));
    expect(chain).toEqual(expect.arrayContaining([...verifiable, 'num_draft_tokens']));
  });

  it('only sample reads mirostat (it carries mu); speculative strategies read neither mirostat nor XTC, and say why', () => {
    const mirostat = ['mirostat', 'mirostat_tau', 'mirostat_eta'] as const;
    const xtc = ['xtc_probability', 'xtc_threshold'] as const;
    expect(STRATEGIES.sample.params).toEqual(expect.arrayContaining([...mirostat, ...xtc]));
    for (const id of STRATEGY_IDS) {
      const s = STRATEGIES[id];
      if (id !== 'sample') for (const k of mirostat) expect(s.params, `${id} ${k}`).not.toContain(k);
      const speculative = s.params.includes('num_draft_tokens') || s.params.includes('tree_depth');
      for (const k of xtc) expect(s.params.includes(k), `${id} ${k}`).toBe(!speculative && s.params.includes('top_p'));
      for (const [k, why] of Object.entries(s.refuses)) {
        expect(s.params, `${id} refuses ${k}`).not.toContain(k);
        expect(why, k).toMatch(/state|draw/);
      }
    }
    expect(Object.keys(STRATEGIES['spec-chain'].refuses).sort()).toEqual([...mirostat, ...xtc].sort());
    expect(Object.keys(STRATEGIES.cntp.refuses).sort()).toEqual([...mirostat].sort());
  });

  it('every parameter spec is self-consistent: default in range, min <= max, help is one line', () => {
    for (const key of PARAM_KEYS) {
      const spec = PARAMS[key];
      expect(spec.help, key).toMatch(/^[^\n]{10,160}$/);
      if (spec.kind === 'int' || spec.kind === 'float') {
        expect(spec.min, key).toBeLessThanOrEqual(spec.max);
        expect(spec.default, key).toBeGreaterThanOrEqual(spec.min);
        expect(spec.default, key).toBeLessThanOrEqual(spec.max);
        if (spec.kind === 'int') expect(Number.isInteger(spec.default) && Number.isInteger(spec.min) && Number.isInteger(spec.max), key).toBe(true);
      }
      if (spec.kind === 'enum') expect(spec.values, key).toContain(spec.default);
    }
  });

  it('a link naming a strategy and its parameters passes without warnings', () => {
    expect(decodeConfig('strategy=beam&num_beams=3')).toEqual({ config: { ...DEFAULT_CONFIG, strategy: 'beam', num_beams: 3 }, warnings: [] });
  });
});

describe('describeConfig / configDiff', () => {
  it('summarizes the strategy and only its changed parameters', () => {
    const c = { ...DEFAULT_CONFIG, temperature: 0.7, top_p: 0.9, seed: 7, num_beams: 8 } as DecodeConfig;
    expect(describeConfig(c)).toBe('sample temperature=0.7 top_p=0.9 · seed 7 · 64 tokens · playground/brown-target-v1');
    expect(describeConfig({ ...DEFAULT_CONFIG, strategy: 'greedy', stop: ['\n'] } as DecodeConfig)).toBe(
      'greedy · seed 42 · 64 tokens · playground/brown-target-v1 · stop "\\n"',
    );
  });

  it('lists differing keys in canonical order', () => {
    const a = DEFAULT_CONFIG;
    const b = { ...a, seed: 1, temperature: 0.5, stop: ['x'] } as DecodeConfig;
    expect(configDiff(a, b)).toEqual(['temperature', 'seed', 'stop']);
    expect(configDiff(a, { ...a, stop: [] } as DecodeConfig)).toEqual([]);
  });
});
