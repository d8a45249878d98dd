import { describe, expect, it } from 'vitest';
import { decodeConfig } from '../../config/url.ts';
import { runCpuStage } from '../../../../tests/support/processor-run.ts';
import { LOGIT_BIAS, parseLogitBias } from './logit-bias.ts';
import { activeProcessors } from './registry.ts';

describe('logit_bias', () => {
  it('parses ID:BIAS pairs, with spaces around the separators', () => {
    expect(parseLogitBias('50256:-100,13:2.5')).toEqual({ entries: [[50256, -100], [13, 2.5]] });
    expect(parseLogitBias(' 7 : +1e1 , 0:.5 ')).toEqual({ entries: [[7, 10], [0, 0.5]] });
    expect(parseLogitBias('')).toEqual({ entries: [] });
  });

  it.each([
    ['13', 'entry "13" is not ID:BIAS (e.g. 50256:-100)'],
    ['13:', 'entry "13:" is not ID:BIAS (e.g. 50256:-100)'],
    ['-1:2', 'entry "-1:2" is not ID:BIAS (e.g. 50256:-100)'],
    ['1.5:2', 'entry "1.5:2" is not ID:BIAS (e.g. 50256:-100)'],
    ['13:-inf', 'entry "13:-inf" is not ID:BIAS (e.g. 50256:-100)'],
    ['13:1,', 'entry "" is not ID:BIAS (e.g. 50256:-100)'],
    ['13:101', 'bias 101 of token 13 is outside -100..100'],
    ['13:-1e3', 'bias -1e3 of token 13 is outside -100..100'],
    ['13:1,13:2', 'token 13 is listed twice'],
    ['99999999999:1', 'token id 99999999999 is too large'],
  ])('refuses %j: %s', (s, error) => {
    expect(parseLogitBias(s)).toEqual({ error });
    expect(() => activeProcessors({ logit_bias: s })).toThrow(RangeError);
  });

  it('a malformed link value warns and falls back to off', () => {
    const { config, warnings } = decodeConfig('logit_bias=13:abc');
    expect(config.logit_bias).toBe('');
    expect(warnings).toEqual(['logit_bias=13:abc entry "13:abc" is not ID:BIAS (e.g. 50256:-100); using default ""']);
  });

  it('adds each bias to its token, ignores ids past the vocabulary and never revives a removed token', () => {
    const out = runCpuStage(LOGIT_BIAS, { logit_bias: '0:2.5,2:-100,3:7,9:50' }, [1, 1, 1, null]);
    expect(out).toEqual([3.5, 1, -99, -Infinity]);
  });

  it('is off when empty or blank', () => {
    expect(activeProcessors({ logit_bias: '' })).toEqual([]);
    expect(activeProcessors({ logit_bias: '  ' })).toEqual([]);
  });
});
