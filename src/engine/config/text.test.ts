import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codePointLength, formatNumber, parseNumber, roundFloat, show, suggest, toWellFormed, truncateCodePoints, isWellFormed } from './text.ts';

describe('text helpers', () => {
  it('counts and truncates by code point, never splitting a surrogate pair', () => {
    expect(codePointLength('a😀b')).toBe(3);
    expect(truncateCodePoints('a😀b', 2)).toBe('a😀');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(20), (s, n) => {
        const t = truncateCodePoints(s, n);
        expect(s.startsWith(t)).toBe(true);
        expect(codePointLength(t)).toBe(Math.min(n, codePointLength(s)));
        expect(codePointLength(s)).toBe([...s].length);
      }),
    );
  });

  it('replaces lone surrogates only', () => {
    expect(toWellFormed('a\uD800b\uDC00c😀')).toBe('a\uFFFDb\uFFFDc😀');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(toWellFormed(s)).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (s) => {
        const w = toWellFormed(s);
        expect(isWellFormed(w)).toBe(true);
        expect(() => encodeURIComponent(w)).not.toThrow();
      }),
    );
  });

  it('rounds floats to 6 significant digits without noise', () => {
    expect(roundFloat(0.1 + 0.2)).toBe(0.3);
    expect(roundFloat(0.800000001)).toBe(0.8);
    expect(roundFloat(1234567)).toBe(1234570);
    expect(Object.is(roundFloat(-0), 0)).toBe(true);
    expect(roundFloat(1e-12)).toBe(0);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const r = roundFloat(x);
        expect(roundFloat(r)).toBe(r);
        expect(parseNumber(formatNumber(r))).toBe(r);
      }),
    );
  });

  it('parses only plain decimals', () => {
    for (const ok of ['1', '-2.5', '.5', '5.', '+3', '1e-7', '2E3', ' 7 ']) expect(parseNumber(ok), ok).toBeTypeOf('number');
    for (const bad of ['', ' ', 'NaN', 'Infinity', '0x10', '1_000', '1,5', '1e', 'e5', '--1', '1e999', '0b1']) expect(parseNumber(bad), bad).toBeUndefined();
  });

  it('shows values safely in warnings', () => {
    expect(show('1.7')).toBe('1.7');
    expect(show('<b>')).toBe('"<b>"');
    expect(show('x'.repeat(100))).toBe(`"${'x'.repeat(40)}…"`);
    expect(show(Number.NaN)).toBe('NaN');
    expect(show({})).toBe('a value of type object');
  });

  it('suggests close keys only', () => {
    const keys = ['temperature', 'top_p', 'top_k', 'seed'];
    expect(suggest('tempreature', keys)).toBe('temperature');
    expect(suggest('temp', keys)).toBe('temperature');
    expect(suggest('sed', keys)).toBe('seed');
    expect(suggest('banana', keys)).toBeUndefined();
    expect(suggest('', keys)).toBeUndefined();
  });
});
