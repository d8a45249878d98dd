/**
 * Validation: turns anything (a parsed link, a JSON object from the UI or the CLI) into a complete
 * DecodeConfig plus human-readable warnings. It never throws: each bad value falls back to its
 * default (the prompt is truncated instead, because the user's text matters more than a limit)
 * and produces one warning naming the key, the value and what was done.
 */
import {
  PARAMS,
  PARAM_KEYS,
  DEFAULT_CONFIG,
  isParamKey,
  type DecodeConfig,
  type ParamKey,
  type ParamSpec,
} from './params.ts';
import { codePointLength, formatNumber, isWellFormed, parseNumber, roundFloat, show, suggest, toWellFormed, truncateCodePoints } from './text.ts';

export interface NormalizeResult {
  config: DecodeConfig;
  warnings: string[];
}

/** More warnings than this are summarized in one line: a garbage link should not bury the page. */
export const MAX_WARNINGS = 20;
/** Keys read from one input; the rest are ignored with a warning (bounds the work on hostile input). */
export const MAX_KEYS = 200;

/** Collects warnings, keeping the first MAX_WARNINGS and counting the rest. */
export class Warnings {
  private readonly list: string[] = [];
  private dropped = 0;
  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(message);
    else this.dropped++;
  }
  result(): string[] {
    return this.dropped > 0 ? [...this.list, `... and ${this.dropped} more warning${this.dropped === 1 ? '' : 's'}`] : [...this.list];
  }
}

/** Hand-typed keys may differ in case or use dashes (Top-P); both map to the canonical key. */
export function canonicalKey(key: string): string {
  return key.trim().toLowerCase().replace(/-/g, '_');
}

/** How a default is written in a warning. */
export function showDefault(key: ParamKey): string {
  const d = PARAMS[key].default as unknown;
  if (typeof d === 'number') return formatNumber(d);
  if (Array.isArray(d)) return d.length === 0 ? '(none)' : d.map((x) => show(x)).join(', ');
  if (d === '') return '""';
  return show(d);
}

type Coerced = { value: unknown; note?: string } | { error: string };

/** Coerces one raw value to the parameter's type; `note` is a warning for a value kept but changed. */
function coerce(spec: ParamSpec, raw: unknown): Coerced {
  switch (spec.kind) {
    case 'int':
    case 'float': {
      let x: number | undefined;
      if (typeof raw === 'number') {
        if (!Number.isFinite(raw)) return { error: 'is not a finite number' };
        x = raw;
      } else if (typeof raw === 'string') {
        if (raw.trim() === '') return { error: 'is empty' };
        x = parseNumber(raw);
        if (x === undefined) return { error: 'is not a number' };
      } else return { error: 'is not a number' };
      if (spec.kind === 'int') {
        if (!Number.isInteger(x)) return { error: 'is not a whole number' };
      } else x = roundFloat(x);
      if (x < spec.min || x > spec.max) return { error: `is out of range ${formatNumber(spec.min)}..${formatNumber(spec.max)}` };
      const why = spec.kind === 'int' ? spec.check?.(x) : undefined;
      if (why) return { error: why };
      return { value: x === 0 ? 0 : x };
    }
    case 'enum': {
      if (typeof raw !== 'string') return { error: 'is not text' };
      const v = raw.trim().toLowerCase();
      if (!spec.values.includes(v)) return { error: `is not one of ${spec.values.join(', ')}` };
      return { value: v };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 0 || raw === 1) return { value: raw === 1 };
      if (typeof raw !== 'string') return { error: 'is not true or false' };
      const v = raw.trim().toLowerCase();
      // A bare key (`&relaxed_acceptance`) reads as "on", like an HTML boolean attribute.
      if (['', 'true', '1', 'yes', 'on'].includes(v)) return { value: true };
      if (['false', '0', 'no', 'off'].includes(v)) return { value: false };
      return { error: 'is not true or false' };
    }
    case 'text': {
      if (typeof raw !== 'string') return { error: 'is not text' };
      let v = raw;
      const notes: string[] = [];
      if (!isWellFormed(v)) {
        v = toWellFormed(v);
        notes.push('contains broken Unicode (lone surrogates), replaced with U+FFFD');
      }
      const n = codePointLength(v);
      if (n > spec.maxChars) {
        if (!spec.truncate) return { error: `is ${n} characters, over the limit of ${spec.maxChars}` };
        v = truncateCodePoints(v, spec.maxChars);
        notes.push(`is ${n} characters, over the limit of ${spec.maxChars}; truncated to the first ${spec.maxChars}`);
      }
      const bad = spec.check?.(v);
      if (bad) return { error: bad };
      return { value: v, note: notes.length ? notes.join('; ') : undefined };
    }
    case 'list': {
      const items: unknown[] = Array.isArray(raw) ? raw : [raw];
      const out: string[] = [];
      const notes: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string') {
          notes.push(`ignored ${show(item)} (not text)`);
          continue;
        }
        if (item === '') {
          notes.push('ignored an empty entry');
          continue;
        }
        let v = item;
        if (!isWellFormed(v)) {
          v = toWellFormed(v);
          notes.push(`${show(v)} contained broken Unicode, replaced with U+FFFD`);
        }
        const n = codePointLength(v);
        if (n > spec.maxItemChars) {
          notes.push(`ignored ${show(v)} (${n} characters, over the limit of ${spec.maxItemChars})`);
          continue;
        }
        if (out.length >= spec.maxItems) {
          notes.push(`kept the first ${spec.maxItems} entries, ignored the rest`);
          break;
        }
        out.push(v);
      }
      return { value: out, note: notes.length ? notes.join('; ') : undefined };
    }
  }
}

/** How a raw value is named in a warning: `top_p=1.7`, `prompt="..."`, `stop (list)`. */
function label(key: string, raw: unknown): string {
  if (Array.isArray(raw)) return key;
  return `${key}=${show(raw)}`;
}

/**
 * Normalizes already-keyed raw values (a Map so hostile keys like "__proto__" are inert).
 * Keys must be canonical ParamKeys; unknown keys are the caller's to report.
 */
export function normalizeEntries(raw: ReadonlyMap<ParamKey, unknown>, warnings: Warnings): DecodeConfig {
  const out: Record<string, unknown> = {};
  for (const key of PARAM_KEYS) {
    const spec = PARAMS[key];
    if (!raw.has(key)) {
      out[key] = spec.default;
      continue;
    }
    const value = raw.get(key);
    const c = coerce(spec, value);
    if ('error' in c) {
      warnings.add(`${label(key, value)} ${c.error}; using default ${showDefault(key)}`);
      out[key] = spec.default;
    } else {
      if (c.note) warnings.add(`${key}: ${c.note}`);
      out[key] = c.value;
    }
  }
  checkCrossField(out, warnings);
  return out as unknown as DecodeConfig;
}

/** Constraints between keys; each resets the keys involved to their defaults. */
function checkCrossField(out: Record<string, unknown>, warnings: Warnings): void {
  const lo = out.cntp_entropy_min as number;
  const hi = out.cntp_entropy_max as number;
  if (!(lo < hi)) {
    // The trial-count ramp divides by (max - min).
    warnings.add(
      `cntp_entropy_min=${formatNumber(lo)} must be below cntp_entropy_max=${formatNumber(hi)}; using defaults ${showDefault('cntp_entropy_min')} and ${showDefault('cntp_entropy_max')}`,
    );
    out.cntp_entropy_min = PARAMS.cntp_entropy_min.default;
    out.cntp_entropy_max = PARAMS.cntp_entropy_max.default;
  }
}

/** Reports a key that is not a parameter, with a "did you mean" when one is close. */
export function warnUnknownKey(key: string, warnings: Warnings): void {
  const hint = suggest(canonicalKey(key), PARAM_KEYS);
  warnings.add(`unknown parameter ${show(key)} ignored${hint ? ` (did you mean ${hint}?)` : ''}`);
}

/**
 * Validates a plain object (from the UI, JSON, a test) into a DecodeConfig. Values may be native
 * (0.8, true, ["\n"]) or text as in a link ("0.8"). Missing keys take their defaults.
 */
export function normalizeConfig(input: unknown): NormalizeResult {
  const warnings = new Warnings();
  try {
    if (input === undefined || input === null) return { config: DEFAULT_CONFIG, warnings: [] };
    if (typeof input !== 'object' || Array.isArray(input)) {
      warnings.add(`the config is ${show(input)}, not an object; using defaults`);
      return { config: DEFAULT_CONFIG, warnings: warnings.result() };
    }
    const raw = new Map<ParamKey, unknown>();
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length > MAX_KEYS) warnings.add(`the config has ${entries.length} keys; only the first ${MAX_KEYS} were read`);
    for (const [k, v] of entries.slice(0, MAX_KEYS)) {
      const key = canonicalKey(k);
      if (!isParamKey(key)) {
        warnUnknownKey(k, warnings);
        continue;
      }
      if (raw.has(key)) warnings.add(`${key} given more than once; using the last value`);
      raw.set(key, v);
    }
    return { config: normalizeEntries(raw, warnings), warnings: warnings.result() };
  } catch (err) {
    // Unreachable by design (every path above is total); kept so a bug never reaches the user as an exception.
    warnings.add(`the config could not be read (${err instanceof Error ? err.message : String(err)}); using defaults`);
    return { config: DEFAULT_CONFIG, warnings: warnings.result() };
  }
}
