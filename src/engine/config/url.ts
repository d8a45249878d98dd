/**
 * The versioned URL codec. A link is a plain query string a teacher can read and edit:
 *
 *   v=1&model=playground/brown-target-v1&strategy=sample&temperature=0.7&top_p=0.9&seed=7&prompt=The%20old%20man
 *
 * Canonical form (so the same config always gives the same string, and links diff cleanly):
 * - `v` first, then keys in the parameter table's order (params.ts);
 * - `model`, `strategy`, `seed` and `prompt` always; every other key only when it differs from its default;
 * - numbers in JavaScript's shortest round-trip form after rounding floats to 6 significant digits;
 * - `stop` repeated once per stop string; booleans as true/false;
 * - values percent-encoded (space = %20, never +), leaving / : , @ readable.
 *
 * Decoding accepts more than it writes (a leading ? or #, a whole URL, + for space, any key order,
 * Top-P for top_p) and never throws.
 */
import { PARAMS, PARAM_KEYS, ALWAYS_ENCODED, DEFAULT_CONFIG, isParamKey, type DecodeConfig, type ParamKey } from './params.ts';
import { MAX_KEYS, Warnings, canonicalKey, normalizeConfig, normalizeEntries, warnUnknownKey, type NormalizeResult } from './normalize.ts';
import { formatNumber, show } from './text.ts';

/** The link format version this build writes. Bump it only with a migration for the old one. */
export const CONFIG_VERSION = 1;

/**
 * encodeURIComponent, but keeping characters that are legal in a query value and help reading
 * (/ : , @), and escaping ' ( ) * which it leaves bare but which break links pasted into Markdown
 * or shell commands.
 */
function escapeValue(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%40/g, '@')
    .replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function valueText(v: unknown): string {
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

/**
 * The canonical query string (no leading "?") of a config. The config is normalized first, so an
 * out-of-range value from a careless caller is written as its default rather than as a broken link.
 */
export function encodeConfig(config: DecodeConfig): string {
  const c = normalizeConfig(config).config;
  const parts = [`v=${CONFIG_VERSION}`];
  for (const key of PARAM_KEYS) {
    const value = c[key] as unknown;
    if (!ALWAYS_ENCODED.includes(key) && sameValue(value, PARAMS[key].default)) continue;
    if (Array.isArray(value)) for (const item of value) parts.push(`${key}=${escapeValue(item)}`);
    else parts.push(`${key}=${escapeValue(valueText(value))}`);
  }
  return parts.join('&');
}

/** The query part of whatever was given: a query string, "?query", "#query" or a whole URL. */
function queryPart(input: string): string {
  const s = input.trim();
  // A whole URL (scheme:// or a path): the query is between the first ? and the fragment.
  // A bare "key:value" typo is not a URL, so it still gets its unknown-key warning.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('/')) {
    const q = s.indexOf('?');
    if (q < 0) return '';
    const h = s.indexOf('#', q);
    return s.slice(q + 1, h < 0 ? undefined : h);
  }
  return s.startsWith('?') || s.startsWith('#') ? s.slice(1) : s;
}

/**
 * Reads a link into a config and warnings. Never throws: an unknown key, a bad value, a repeated
 * key or an unsupported version each give one warning and the affected value falls back.
 */
export function decodeConfig(query: string | URLSearchParams): NormalizeResult {
  const warnings = new Warnings();
  try {
    const params = typeof query === 'string' ? new URLSearchParams(queryPart(query)) : query;
    const entries: [string, string][] = [];
    for (const e of params) {
      if (entries.length >= MAX_KEYS) {
        warnings.add(`the link has more than ${MAX_KEYS} parameters; only the first ${MAX_KEYS} were read`);
        break;
      }
      entries.push(e);
    }

    const raw = new Map<ParamKey, unknown>();
    const seen = new Map<string, number>();
    let version: string | undefined;
    for (const [k, v] of entries) {
      const key = canonicalKey(k);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (key === 'v') {
        version = v;
        continue;
      }
      if (!isParamKey(key)) {
        // One warning per distinct unknown key, however often it repeats.
        if (seen.get(key) === 1) {
          if (key === '') warnings.add(`a parameter with no name (=${show(v)}) was ignored`);
          else warnUnknownKey(k, warnings);
        }
        continue;
      }
      if (PARAMS[key].kind === 'list') {
        const list = (raw.get(key) as string[] | undefined) ?? [];
        list.push(v);
        raw.set(key, list);
      } else {
        // Last one wins: someone editing a link by hand appends the new value at the end.
        if (seen.get(key) === 2) warnings.add(`${key} is given more than once; using the last value`);
        raw.set(key, v);
      }
    }
    if ((seen.get('v') ?? 0) > 1) warnings.add('v is given more than once; using the last value');
    checkVersion(version, warnings);
    return { config: normalizeEntries(raw, warnings), warnings: warnings.result() };
  } catch (err) {
    // Unreachable by design; a bug must still never surface as an exception on page load.
    warnings.add(`the link could not be read (${err instanceof Error ? err.message : String(err)}); using defaults`);
    return { config: DEFAULT_CONFIG, warnings: warnings.result() };
  }
}

/**
 * A link without `v` is read as the current version silently (hand-typed links rarely have one).
 * Any other version is read as the current one, with a warning, rather than discarded: the prompt
 * and most values still mean the same thing.
 */
function checkVersion(version: string | undefined, warnings: Warnings): void {
  if (version === undefined || version.trim() === String(CONFIG_VERSION)) return;
  warnings.add(`v=${show(version)} is not a supported link version (this app reads v=${CONFIG_VERSION}); reading it as v=${CONFIG_VERSION}`);
}
