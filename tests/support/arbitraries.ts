/**
 * fast-check generators shared by the config tests: valid configs (to prove round trips) and
 * hostile input (to prove the decoder is total). Test-only; nothing in the app imports this.
 */
import fc from 'fast-check';
import { PARAMS, PARAM_KEYS, checkModelId, type DecodeConfig, type ParamSpec } from '../../src/engine/config/params.ts';
import { roundFloat } from '../../src/engine/config/text.ts';
import { MAX_LOGIT_BIAS } from '../../src/engine/kernels/processors/logit-bias.ts';
import { PROCESSORS, SAMPLER_ORDERS } from '../../src/engine/kernels/processors/registry.ts';

/** Characters that break naive codecs: separators, escapes, whitespace, markup, astral and combining. */
const NASTY = ['&', '=', '#', '+', '%', '%20', '?', ' ', '\n', '\r\n', '\t', '<', '>', '"', "'", '\\', '/', ';', ',', '😀', '👩‍👩‍👧', 'é', 'e\u0301', '中', '\u0000', '\u200b', '\uFEFF', 'a', 'Z', '0'];

/** Any well-formed Unicode text, biased towards NASTY pieces. */
export function text(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 3 })), { minLength, maxLength })
    .map((parts) => parts.join(''))
    .map((s) => [...s].slice(0, maxLength).join(''))
    .filter((s) => [...s].length >= minLength);
}

const modelId = fc
  .stringMatching(/^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,24}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,24}$/)
  .filter((s) => checkModelId(s) === undefined);

const stageNames = PROCESSORS.map((d) => d.stage);
const samplerOrder = fc.oneof(
  fc.constantFrom(...Object.keys(SAMPLER_ORDERS)),
  fc.shuffledSubarray(stageNames, { minLength: 1 }).map((names) => names.join(',')),
);

/** `ID:BIAS` pairs, each id once, biases within range in the forms a person might write. */
const logitBias = fc
  .uniqueArray(
    fc.record({
      id: fc.nat({ max: 100_000 }),
      bias: fc.oneof(fc.integer({ min: -MAX_LOGIT_BIAS, max: MAX_LOGIT_BIAS }).map(String), fc.double({ min: -MAX_LOGIT_BIAS, max: MAX_LOGIT_BIAS, noNaN: true }).map((x) => String(roundFloat(x)))),
    }),
    { selector: (e) => e.id, maxLength: 8 },
  )
  .map((entries) => entries.map((e) => `${e.id}:${e.bias}`).join(','));

/** Text keys with a validity check get a generator of valid values (random text would rarely pass). */
const CHECKED_TEXT: Record<string, fc.Arbitrary<string>> = { model: modelId, draft: modelId, sampler_order: samplerOrder, logit_bias: logitBias };

function valueArb(key: string, spec: ParamSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int':
      return fc
        .oneof(fc.integer({ min: spec.min, max: spec.max }), fc.constantFrom(spec.min, spec.max, spec.default))
        .filter((v) => spec.check?.(v) === undefined);
    case 'float':
      return fc.oneof(
        fc.double({ min: spec.min, max: spec.max, noNaN: true }).map(roundFloat),
        // Slider-like values (0.05 steps) and the edges, which real links mostly hold.
        fc.integer({ min: Math.ceil(spec.min * 20), max: Math.floor(spec.max * 20) }).map((i) => roundFloat(i / 20)),
        fc.constantFrom(spec.min, spec.max, spec.default),
      );
    case 'enum':
      return fc.constantFrom(...spec.values);
    case 'bool':
      return fc.boolean();
    case 'text':
      if (!spec.check) return text(spec.maxChars);
      if (!CHECKED_TEXT[key]) throw new Error(`no generator of valid values for ${key}`);
      return CHECKED_TEXT[key];
    case 'list':
      return fc.array(text(spec.maxItemChars, 1), { maxLength: spec.maxItems });
  }
}

/** A random valid, normalized DecodeConfig. */
export const validConfig: fc.Arbitrary<DecodeConfig> = fc
  .record(Object.fromEntries(PARAM_KEYS.map((k) => [k, valueArb(k, PARAMS[k])])) as Record<string, fc.Arbitrary<unknown>>)
  .filter((c) => (c.cntp_entropy_min as number) < (c.cntp_entropy_max as number))
  .map((c) => c as unknown as DecodeConfig);

/** A value as it might appear in a hostile or hand-mangled link. */
export const junkValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', 'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x10', '1_000', '.5', '5.', '1e-7', '+3', ' 7 ', 'true', 'null', '[]', '%', '%E0%A4%A', '%FF', '%ED%A0%80', 'sample', 'beam', 'greedy', 'webgpu', '__proto__'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 5000 }).map((s) => s.repeat(2)),
);

/** A key as it might appear in a link: real ones (in any case), near-misses and junk. */
export const junkKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PARAM_KEYS, 'v', 'V', 'Top-P', 'TEMPERATURE', 'tempurature', 'top_pp', '__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 10 }),
);

/** A query string with 0..30 pairs, raw (unencoded junk) or percent-encoded. */
export const junkQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(junkKey, junkValue, fc.boolean()).map(([k, v, enc]) => (enc ? `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}` : `${k}=${v}`)),
    { maxLength: 30 },
  )
  .chain((pairs) => fc.constantFrom('', '?', '#', 'https://example.org/app/?').map((prefix) => prefix + pairs.join('&')));
