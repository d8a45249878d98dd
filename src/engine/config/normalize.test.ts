import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeConfig, MAX_WARNINGS } from './normalize.ts';
import { decodeConfig, encodeConfig } from './url.ts';
import { DecodeConfigSchema } from './schema.ts';
import { DEFAULT_CONFIG, PARAMS, PARAM_KEYS, MAX_PROMPT_CHARS } from './params.ts';

/** Warnings for one query string. */
const warn = (q: string) => decodeConfig(q).warnings;

describe('bad values in links: one warning each, value falls back', () => {
  it.each([
    ['top_p=1.7', 'top_p=1.7 is out of range 0..1; using default 1', 'top_p', 1],
    ['top_p=-0.1', 'top_p=-0.1 is out of range 0..1; using default 1', 'top_p', 1],
    ['temperature=NaN', 'temperature=NaN is not a number; using default 1', 'temperature', 1],
    ['temperature=Infinity', 'temperature=Infinity is not a number; using default 1', 'temperature', 1],
    ['temperature=1e309', 'temperature=1e309 is not a number; using default 1', 'temperature', 1],
    ['temperature=0x10', 'temperature=0x10 is not a number; using default 1', 'temperature', 1],
    ['temperature=hot', 'temperature=hot is not a number; using default 1', 'temperature', 1],
    ['temperature=', 'temperature="" is empty; using default 1', 'temperature', 1],
    ['top_k=3.5', 'top_k=3.5 is not a whole number; using default 0', 'top_k', 0],
    ['top_k=-1', 'top_k=-1 is out of range 0..262144; using default 0', 'top_k', 0],
    ['max_new_tokens=0', 'max_new_tokens=0 is out of range 1..1024; using default 64', 'max_new_tokens', 64],
    ['max_new_tokens=100000', 'max_new_tokens=100000 is out of range 1..1024; using default 64', 'max_new_tokens', 64],
    ['seed=-1', 'seed=-1 is out of range 0..4294967295; using default 42', 'seed', 42],
    ['seed=4294967296', 'seed=4294967296 is out of range 0..4294967295; using default 42', 'seed', 42],
    ['backend=vulkan', 'backend=vulkan is not one of auto, webgpu, wasm, cpu; using default auto', 'backend', 'auto'],
    ['dtype=int3', 'dtype=int3 is not one of auto, fp32, fp16, q8, q4, q4f16; using default auto', 'dtype', 'auto'],
    ['strategy=magic', expect.stringMatching(/^strategy=magic is not one of greedy, sample, beam, .*; using default sample$/), 'strategy', 'sample'],
    ['relaxed_acceptance=maybe', 'relaxed_acceptance=maybe is not true or false; using default false', 'relaxed_acceptance', false],
    ['model=../../etc/passwd', 'model=../../etc/passwd is not a model id like owner/name; using default playground/brown-target-v1', 'model', 'playground/brown-target-v1'],
    ['model=a/b/c', 'model=a/b/c is not a model id like owner/name; using default playground/brown-target-v1', 'model', 'playground/brown-target-v1'],
    ['model=', 'model="" is empty; using default playground/brown-target-v1', 'model', 'playground/brown-target-v1'],
    ['draft=%3Cscript%3E', 'draft="<script>" is not a model id like owner/name; using default playground/brown-draft-v1', 'draft', 'playground/brown-draft-v1'],
    ['repetition_penalty=0', 'repetition_penalty=0 is out of range 0.01..10; using default 1', 'repetition_penalty', 1],
  ] as const)('%s', (q, warning, key, value) => {
    const r = decodeConfig(q);
    expect(r.warnings).toEqual([warning]);
    expect(r.config[key]).toBe(value);
    expect(DecodeConfigSchema.safeParse(r.config).success).toBe(true);
  });

  it('the other values of a link survive a bad one', () => {
    const r = decodeConfig('v=1&strategy=greedy&top_p=7&seed=9&prompt=Keep%20me');
    expect(r.warnings).toHaveLength(1);
    expect(r.config).toMatchObject({ strategy: 'greedy', seed: 9, prompt: 'Keep me', top_p: 1 });
  });
});

describe('keys and versions', () => {
  it('unknown keys are ignored with a hint when one is close', () => {
    expect(warn('tempurature=0.5')).toEqual(['unknown parameter tempurature ignored (did you mean temperature?)']);
    expect(warn('temp=0.5')).toEqual(['unknown parameter temp ignored (did you mean temperature?)']);
    expect(warn('topp=0.5')).toEqual(['unknown parameter topp ignored (did you mean top_p?)']);
    expect(warn('utm_source=newsletter')).toEqual(['unknown parameter utm_source ignored']);
    expect(warn('%3Cimg%20onerror%3Dx%3E=1')).toEqual(['unknown parameter "<img onerror=x>" ignored']);
    expect(warn('=5')).toEqual(['a parameter with no name (=5) was ignored']);
  });

  it('an unknown key repeated gives one warning', () => {
    expect(warn('foo=1&foo=2&foo=3')).toEqual(['unknown parameter foo ignored']);
  });

  it('prototype-ish keys are just unknown', () => {
    const r = decodeConfig('__proto__=1&constructor=2&toString=3&hasOwnProperty=4');
    expect(r.warnings).toHaveLength(4);
    expect(r.config).toEqual(DEFAULT_CONFIG);
  });

  it('a repeated key: the last value wins, one warning', () => {
    const r = decodeConfig('temperature=0.5&temperature=0.7&temperature=0.9');
    expect(r.config.temperature).toBe(0.9);
    expect(r.warnings).toEqual(['temperature is given more than once; using the last value']);
  });

  it('versions: missing is fine, v=1 is fine, anything else warns and reads as v1', () => {
    expect(warn('seed=3')).toEqual([]);
    expect(warn('v=1&seed=3')).toEqual([]);
    expect(warn('v=2&seed=3')).toEqual(['v=2 is not a supported link version (this app reads v=1); reading it as v=1']);
    expect(warn('v=abc')).toEqual(['v=abc is not a supported link version (this app reads v=1); reading it as v=1']);
    expect(decodeConfig('v=99&seed=3').config.seed).toBe(3);
  });

  it('booleans: accepted spellings, and a bare key means true', () => {
    for (const [v, b] of [['true', true], ['1', true], ['on', true], ['YES', true], ['false', false], ['0', false], ['off', false]] as const) {
      expect(decodeConfig(`relaxed_acceptance=${v}`).config.relaxed_acceptance).toBe(b);
    }
    expect(decodeConfig('relaxed_acceptance').config.relaxed_acceptance).toBe(true);
  });

  it('enum values are matched ignoring case and surrounding spaces', () => {
    expect(decodeConfig('strategy=%20Greedy%20&backend=WebGPU')).toEqual({ config: { ...DEFAULT_CONFIG, strategy: 'greedy', backend: 'webgpu' }, warnings: [] });
  });

  it('cntp_entropy_min must be below cntp_entropy_max', () => {
    const r = decodeConfig('cntp_entropy_min=2&cntp_entropy_max=1');
    expect(r.warnings).toEqual(['cntp_entropy_min=2 must be below cntp_entropy_max=1; using defaults 0.01 and 1.5']);
    expect([r.config.cntp_entropy_min, r.config.cntp_entropy_max]).toEqual([0.01, 1.5]);
  });
});

describe('size limits', () => {
  it('an oversize prompt is truncated (the text matters more than the limit), with a warning', () => {
    const long = 'ab😀'.repeat(2000); // 6000 code points
    const r = decodeConfig('prompt=' + encodeURIComponent(long));
    expect([...r.config.prompt]).toHaveLength(MAX_PROMPT_CHARS);
    expect(long.startsWith(r.config.prompt)).toBe(true);
    expect(r.warnings).toEqual(['prompt: is 6000 characters, over the limit of 4000; truncated to the first 4000']);
  });

  it('a prompt of exactly the limit passes; emoji count as one character', () => {
    const p = '😀'.repeat(MAX_PROMPT_CHARS);
    expect(decodeConfig('prompt=' + encodeURIComponent(p))).toEqual({ config: { ...DEFAULT_CONFIG, prompt: p }, warnings: [] });
  });

  it('an oversize model id falls back', () => {
    const r = decodeConfig('model=' + 'a'.repeat(300));
    expect(r.config.model).toBe(DEFAULT_CONFIG.model);
    expect(r.warnings[0]).toMatch(/^model="a{40}…" is 300 characters, over the limit of 200; using default/);
  });

  it('stop strings: empty, too long and too many are dropped with warnings', () => {
    const q = ['stop=', 'stop=' + 'x'.repeat(65), ...Array.from({ length: 10 }, (_, i) => `stop=s${i}`)].join('&');
    const r = decodeConfig(q);
    expect(r.config.stop).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^stop: ignored an empty entry; ignored "x{40}…" \(65 characters, over the limit of 64\); kept the first 8 entries, ignored the rest$/);
  });

  it('broken percent-encoding and lone surrogates become U+FFFD, with a warning for surrogates', () => {
    expect(decodeConfig('prompt=a%FFb%E0%A4c')).toEqual({ config: { ...DEFAULT_CONFIG, prompt: 'a\uFFFDb\uFFFDc' }, warnings: [] });
    const r = normalizeConfig({ prompt: 'x\uD800y' });
    expect(r.config.prompt).toBe('x\uFFFDy');
    expect(r.warnings).toEqual(['prompt: contains broken Unicode (lone surrogates), replaced with U+FFFD']);
    expect(() => encodeConfig(r.config)).not.toThrow();
  });

  it('warnings are capped: a garbage link gives at most MAX_WARNINGS + 1 lines', () => {
    const q = Array.from({ length: 150 }, (_, i) => `junk${i}=1`).join('&');
    const w = warn(q);
    expect(w).toHaveLength(MAX_WARNINGS + 1);
    expect(w[MAX_WARNINGS]).toBe('... and 130 more warnings');
  });

  it('only the first 200 parameters of a huge link are read', () => {
    const q = Array.from({ length: 5000 }, () => 'seed=1').join('&') + '&prompt=late';
    const r = decodeConfig(q);
    expect(r.config.prompt).toBe(DEFAULT_CONFIG.prompt);
    expect(r.warnings[0]).toBe('the link has more than 200 parameters; only the first 200 were read');
  });
});

describe('normalizeConfig on objects', () => {
  it('undefined / {} give the defaults silently; non-objects warn', () => {
    expect(normalizeConfig(undefined)).toEqual({ config: DEFAULT_CONFIG, warnings: [] });
    expect(normalizeConfig({})).toEqual({ config: DEFAULT_CONFIG, warnings: [] });
    expect(normalizeConfig('temperature=0.5').warnings).toEqual(['the config is "temperature=0.5", not an object; using defaults']);
    expect(normalizeConfig([1, 2]).warnings).toEqual(['the config is a list, not an object; using defaults']);
  });

  it('accepts native values and numeric text alike', () => {
    const r = normalizeConfig({ temperature: 0.7, top_p: '0.9', stop: '\n', relaxed_acceptance: 1, seed: 7 });
    expect(r.warnings).toEqual([]);
    expect(r.config).toMatchObject({ temperature: 0.7, top_p: 0.9, stop: ['\n'], relaxed_acceptance: true, seed: 7 });
  });

  it('wrong types warn and fall back', () => {
    const r = normalizeConfig({ temperature: '0.7x', top_k: true, prompt: 42, stop: [1, 'ok'], backend: null, seed: NaN });
    expect(r.warnings).toEqual([
      'backend=null is not text; using default auto',
      'temperature=0.7x is not a number; using default 1',
      'top_k=true is not a number; using default 0',
      'seed=NaN is not a finite number; using default 42',
      'stop: ignored 1 (not text)',
      'prompt=42 is not text; using default "The old man"',
    ]);
    expect(r.config.stop).toEqual(['ok']);
  });

  it('never throws on arbitrary values and always yields a schema-valid config', () => {
    const anyValues = fc.dictionary(fc.oneof(fc.constantFrom(...PARAM_KEYS), fc.string()), fc.anything(), { maxKeys: 12 });
    fc.assert(
      fc.property(fc.oneof(fc.anything(), anyValues), (input) => {
        const r = normalizeConfig(input);
        expect(DecodeConfigSchema.safeParse(r.config).success).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent: normalizing a normalized config changes nothing', () => {
    const anyValues = fc.dictionary(fc.constantFrom(...PARAM_KEYS), fc.oneof(fc.double(), fc.string(), fc.integer(), fc.boolean()), { maxKeys: 12 });
    fc.assert(
      fc.property(anyValues, (input) => {
        const once = normalizeConfig(input).config;
        expect(normalizeConfig(once)).toEqual({ config: once, warnings: [] });
      }),
      { numRuns: 500 },
    );
  });
});

describe('defaults', () => {
  it('every default is valid for its own parameter', () => {
    expect(DecodeConfigSchema.safeParse(DEFAULT_CONFIG).success).toBe(true);
    expect(normalizeConfig(DEFAULT_CONFIG)).toEqual({ config: DEFAULT_CONFIG, warnings: [] });
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      model: 'playground/brown-target-v1',
      draft: 'playground/brown-draft-v1',
      backend: 'auto',
      dtype: 'auto',
      strategy: 'sample',
      temperature: 1,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      typical_p: 1,
      repetition_penalty: 1,
      epsilon_cutoff: 0,
      eta_cutoff: 0,
      dynatemp_range: 0,
      dynatemp_exponent: 1,
      max_new_tokens: 64,
      seed: 42,
      stop: [],
      relaxed_acceptance: false,
    });
    expect(Object.keys(DEFAULT_CONFIG)).toEqual(Object.keys(PARAMS));
  });

  it('the defaults are frozen so no caller can change them for everyone', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
  });
});
