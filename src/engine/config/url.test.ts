import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeConfig, encodeConfig, CONFIG_VERSION } from './url.ts';
import { normalizeConfig } from './normalize.ts';
import { DecodeConfigSchema } from './schema.ts';
import { DEFAULT_CONFIG, PARAM_KEYS, type DecodeConfig } from './params.ts';
import { junkQuery, junkValue, validConfig } from '../../../tests/support/arbitraries.ts';

const with_ = (over: Partial<Record<keyof DecodeConfig, unknown>>): DecodeConfig => ({ ...DEFAULT_CONFIG, ...over }) as DecodeConfig;

/** Keys of a query string in order (decoded). */
const keysOf = (q: string): string[] => [...new URLSearchParams(q).keys()];

describe('encodeConfig / decodeConfig round trip', () => {
  it('random valid configs round-trip exactly, with no warnings', () => {
    fc.assert(
      fc.property(validConfig, (c) => {
        const q = encodeConfig(c);
        const back = decodeConfig(q);
        expect(back.warnings).toEqual([]);
        expect(back.config).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  it('the encoding is canonical: encode(decode(encode(c))) === encode(c)', () => {
    fc.assert(
      fc.property(validConfig, (c) => {
        const q = encodeConfig(c);
        expect(encodeConfig(decodeConfig(q).config)).toBe(q);
      }),
      { numRuns: 300 },
    );
  });

  it('random valid configs pass the strict schema and normalize to themselves', () => {
    fc.assert(
      fc.property(validConfig, (c) => {
        expect(DecodeConfigSchema.safeParse(c).success).toBe(true);
        expect(normalizeConfig(c)).toEqual({ config: c, warnings: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('keys come out in the canonical order whatever order they went in', () => {
    fc.assert(
      fc.property(validConfig, fc.integer(), (c, salt) => {
        const q = encodeConfig(c);
        const pairs = q.split('&');
        // Shuffle deterministically by salt, then decode and re-encode.
        const shuffled = pairs
          .map((p, i) => [p, (Math.imul(i + 1, 2654435761) ^ salt) >>> 0] as const)
          .sort((a, b) => a[1] - b[1])
          .map((x) => x[0]);
        // Stop strings are an ordered list: keep their relative order.
        const stops = pairs.filter((p) => p.startsWith('stop='));
        let si = 0;
        const fixed = shuffled.map((p) => (p.startsWith('stop=') ? stops[si++] : p));
        expect(encodeConfig(decodeConfig(fixed.join('&')).config)).toBe(q);
        const keys = keysOf(q).filter((k) => k !== 'v');
        const order = keys.map((k) => PARAM_KEYS.indexOf(k as never));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(keysOf(q)[0]).toBe('v');
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['unicode', 'Ünïcödé 中文 — ça va?'],
    ['newlines', 'line one\nline two\r\nline three\n'],
    ['separators', 'a&b=c#d+e%20f?g;h'],
    ['emoji', '😀 👩‍👩‍👧 🇫🇷 e\u0301'],
    ['leading/trailing spaces', '  spaced out  '],
    ['empty', ''],
    ['percent signs', '100% %41 %zz %'],
  ])('prompt with %s round-trips', (_name, prompt) => {
    const c = with_({ prompt });
    const q = encodeConfig(c);
    expect(decodeConfig(q)).toEqual({ config: c, warnings: [] });
    expect(decodeConfig('?' + q).config.prompt).toBe(prompt);
  });

  it('stop strings keep their order and special characters', () => {
    const c = with_({ stop: ['\n\n', '&', 'The End.', '😀'] });
    const q = encodeConfig(c);
    expect(q).toContain('stop=%0A%0A&stop=%26&stop=The%20End.&stop=%F0%9F%98%80');
    expect(decodeConfig(q)).toEqual({ config: c, warnings: [] });
  });
});

describe('canonical form', () => {
  it('defaults encode to the short readable form', () => {
    expect(encodeConfig(DEFAULT_CONFIG)).toBe(`v=${CONFIG_VERSION}&model=playground/brown-target-v1&strategy=sample&seed=42&prompt=The%20old%20man`);
  });

  it('writes only non-default values beyond model, strategy, seed and prompt, in table order', () => {
    const q = encodeConfig(with_({ seed: 7, top_p: 0.9, temperature: 0.7, prompt: 'The old man', max_new_tokens: 100 }));
    expect(q).toBe('v=1&model=playground/brown-target-v1&strategy=sample&temperature=0.7&top_p=0.9&max_new_tokens=100&seed=7&prompt=The%20old%20man');
  });

  it('removes float noise and writes numbers in shortest form', () => {
    const q = encodeConfig(with_({ temperature: 0.800000001, top_p: 0.1 + 0.2, epsilon_cutoff: 0.0003, eta_cutoff: 1e-7, min_p: -0 }));
    expect(q).toContain('temperature=0.8&');
    expect(q).toContain('top_p=0.3&');
    expect(q).toContain('epsilon_cutoff=0.0003&');
    expect(q).toContain('eta_cutoff=1e-7&');
    expect(q).not.toContain('min_p');
  });

  it('accepts number spellings a person might type and writes the canonical one', () => {
    const r = decodeConfig('temperature=.50&top_p=+0.90&top_k=40.0&seed=%207%20&min_p=5e-2');
    expect(r.warnings).toEqual([]);
    expect(encodeConfig(r.config)).toBe(
      'v=1&model=playground/brown-target-v1&strategy=sample&temperature=0.5&top_k=40&top_p=0.9&min_p=0.05&seed=7&prompt=The%20old%20man',
    );
  });

  it('writes booleans as true/false and keeps / : , @ readable', () => {
    const q = encodeConfig(with_({ relaxed_acceptance: true, model: 'HuggingFaceTB/SmolLM2-135M-Instruct', prompt: 'a/b:c,d@e (f) *g* \'h\'' }));
    expect(q).toContain('relaxed_acceptance=true');
    expect(q).toContain('model=HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(q).toContain('prompt=a/b:c,d@e%20%28f%29%20%2Ag%2A%20%27h%27');
  });

  it('encoding an invalid config writes the defaults for the bad values (never a broken link)', () => {
    const bad = with_({ top_p: 1.7, temperature: Number.NaN, strategy: 'magic' });
    expect(encodeConfig(bad)).toBe(encodeConfig(DEFAULT_CONFIG));
  });
});

describe('decodeConfig input forms', () => {
  it('an empty query gives the defaults with no warnings', () => {
    for (const q of ['', '?', '#', '   ', new URLSearchParams()]) expect(decodeConfig(q)).toEqual({ config: DEFAULT_CONFIG, warnings: [] });
  });

  it('reads a whole URL, ignoring the fragment, and + as space', () => {
    const r = decodeConfig('https://example.org/playground/?v=1&strategy=greedy&prompt=The+old%20man#section');
    expect(r.warnings).toEqual([]);
    expect(r.config.strategy).toBe('greedy');
    expect(r.config.prompt).toBe('The old man');
    expect(decodeConfig('/?seed=9').config.seed).toBe(9);
    expect(decodeConfig('https://example.org/').config).toEqual(DEFAULT_CONFIG);
    expect(decodeConfig('http://localhost:5173/?strategy=greedy#x').config.strategy).toBe('greedy');
    expect(decodeConfig('seed:5').warnings).toEqual(['unknown parameter seed:5 ignored (did you mean seed?)']);
  });

  it('reads URLSearchParams directly', () => {
    const r = decodeConfig(new URLSearchParams({ temperature: '0.3', prompt: 'x&y' }));
    expect(r.config.temperature).toBe(0.3);
    expect(r.config.prompt).toBe('x&y');
  });

  it('matches keys case-insensitively and with dashes', () => {
    const r = decodeConfig('Top-P=0.5&TEMPERATURE=0.2&Max-New-Tokens=9');
    expect(r.warnings).toEqual([]);
    expect([r.config.top_p, r.config.temperature, r.config.max_new_tokens]).toEqual([0.5, 0.2, 9]);
  });

  it('a prompt with HTML stays plain text, byte for byte', () => {
    const html = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;';
    const r = decodeConfig('prompt=' + encodeURIComponent(html));
    expect(r.warnings).toEqual([]);
    expect(r.config.prompt).toBe(html);
    expect(decodeConfig(encodeConfig(r.config)).config.prompt).toBe(html);
  });
});

describe('decodeConfig never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = decodeConfig(s);
        expect(DecodeConfigSchema.safeParse(r.config).success).toBe(true);
        expect(Array.isArray(r.warnings)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on random query strings: always a valid config that re-encodes cleanly', () => {
    fc.assert(
      fc.property(junkQuery, (q) => {
        const r = decodeConfig(q);
        expect(DecodeConfigSchema.safeParse(r.config).success).toBe(true);
        for (const w of r.warnings) expect(typeof w).toBe('string');
        expect(r.warnings.length).toBeLessThanOrEqual(21);
        const again = decodeConfig(encodeConfig(r.config));
        expect(again).toEqual({ config: r.config, warnings: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('on every known key with a junk value: a valid config and at most a few warnings', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PARAM_KEYS), junkValue, (k, v) => {
        const r = decodeConfig(new URLSearchParams([[k, v]]));
        expect(DecodeConfigSchema.safeParse(r.config).success).toBe(true);
        expect(r.warnings.length).toBeLessThanOrEqual(2);
      }),
      { numRuns: 1000 },
    );
  });
});
