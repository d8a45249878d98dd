/**
 * Small string and number helpers for the config layer. Kept apart so the codec, the normalizer
 * and the tests share one definition of "length", "well-formed" and "canonical number".
 */

/** Length in Unicode code points, so an emoji counts as one character, as a user would count it. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The first `max` code points of `s` (never splits a surrogate pair). */
export function truncateCodePoints(s: string, max: number): string {
  let n = 0;
  let i = 0;
  while (i < s.length && n < max) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1));
    i += pair ? 2 : 1;
    n++;
  }
  return s.slice(0, i);
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` with lone surrogates replaced by U+FFFD (what String.prototype.toWellFormed does; not in
 * our TS lib yet). encodeURIComponent throws on lone surrogates, and a tokenizer cannot encode
 * them, so no config ever holds one.
 */
export function toWellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

export function isWellFormed(s: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  const bad = LONE_SURROGATE.test(s);
  LONE_SURROGATE.lastIndex = 0;
  return !bad;
}

/** Significant digits kept for float parameters: enough for any slider, few enough to hide binary noise. */
export const FLOAT_DIGITS = 6;

/**
 * Magnitudes below this count as 0. No parameter means anything at 1e-9, and f32 on the GPU
 * would flush such values (or denormals) differently from the f64 CPU path.
 */
export const FLOAT_ZERO = 1e-9;

/** Rounds to FLOAT_DIGITS significant digits (0.1 + 0.2 -> 0.3, 0.800000001 -> 0.8); -0 and tiny values -> 0. */
export function roundFloat(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) < FLOAT_ZERO) return 0;
  return Number(x.toPrecision(FLOAT_DIGITS)) + 0;
}

/** The canonical text of a number: JavaScript's shortest round-trip form (0.8, 1e-7, 42). */
export function formatNumber(x: number): string {
  return String(x === 0 ? 0 : x);
}

/** Decimal number syntax accepted in links: no hex, no "Infinity", no empty string (all of which Number() accepts). */
const NUMBER_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Parses a hand-written number; undefined when it is not a plain finite decimal. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!NUMBER_SYNTAX.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/**
 * A value as it appears in a warning: short plain tokens bare (top_p=1.7), anything else quoted
 * and cut to 40 characters, so a hostile or huge value cannot flood the message.
 */
export function show(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'a list';
    return `a value of type ${typeof value}`;
  }
  if (/^[\w.+\-/:]{1,40}$/.test(value)) return value;
  const cut = codePointLength(value) > 40 ? truncateCodePoints(value, 40) + '…' : value;
  return JSON.stringify(toWellFormed(cut));
}

/** Edit distance, for "did you mean" hints on misspelled keys. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest known name to a misspelled one, or undefined when nothing is close. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  if (name.length === 0 || name.length > 64) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    // A prefix like "temp" or "max_new" is a likely abbreviation.
    const d = name.length >= 3 && k.startsWith(name) ? 1 : levenshtein(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  return bestD <= limit ? best : undefined;
}
