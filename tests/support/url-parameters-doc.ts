/**
 * Renders the URL parameter and strategy tables of docs/url-parameters.md from the parameter table
 * and the strategy registry, so the documentation cannot drift from the code:
 * src/engine/config/docs.test.ts fails when the file differs and rewrites it with UPDATE_DOCS=1.
 */
import { PARAMS, PARAM_KEYS, STRATEGY_IDS, type ParamKey, type ParamSpec } from '../../src/engine/config/params.ts';
import { COMMON_PARAMS, SAMPLING_PARAMS, STRATEGIES } from '../../src/engine/config/strategies.ts';
import { formatNumber } from '../../src/engine/config/text.ts';

/** Markdown-safe cell text. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(s: string): string {
  return s === '' ? '(empty)' : '`' + s.replace(/\n/g, '\\n') + '`';
}

function defaultText(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return code(formatNumber(spec.default));
    case 'bool':
      return code(String(spec.default));
    case 'list':
      return spec.default.length ? spec.default.map(code).join(', ') : '(none)';
    default:
      return code(spec.default);
  }
}

function rangeText(key: ParamKey, spec: ParamSpec): string {
  switch (spec.kind) {
    case 'int':
      return `integer ${formatNumber(spec.min)}..${formatNumber(spec.max)}${spec.minMeans ? ` (${formatNumber(spec.min)} = ${spec.minMeans})` : ''}`;
    case 'float':
      return `${formatNumber(spec.min)}..${formatNumber(spec.max)}${spec.unit ? ` ${spec.unit}` : ''}`;
    case 'enum':
      return spec.values.map(code).join(', ');
    case 'bool':
      return '`true`, `false`';
    case 'text':
      return spec.format ? `${spec.format}, ≤ ${spec.maxChars} chars` : `text, ≤ ${spec.maxChars} characters${spec.truncate ? ' (longer is truncated)' : ''}`;
    case 'list':
      return `repeat the key, ≤ ${spec.maxItems} strings of ≤ ${spec.maxItemChars} characters`;
  }
}

function usedBy(key: ParamKey): string {
  if (COMMON_PARAMS.includes(key) || key === 'strategy') return 'all';
  if (key === 'draft') return 'draft-model strategies';
  const ids = STRATEGY_IDS.filter((id) => STRATEGIES[id].params.includes(key));
  if (ids.length === STRATEGY_IDS.length) return 'all';
  if (ids.length >= 8) return `all but ${STRATEGY_IDS.filter((id) => !ids.includes(id)).map(code).join(', ')}`;
  return ids.map(code).join(', ');
}

/** The table of every URL key, in canonical order. */
export function renderParameterTable(): string {
  const rows = [
    '| Key | Meaning | Default | Range / values | Used by |',
    '| --- | --- | --- | --- | --- |',
    '| `v` | Link format version; a link without it is read as the current version. | `1` | `1` | all |',
  ];
  for (const key of PARAM_KEYS) {
    const spec = PARAMS[key];
    rows.push(`| \`${key}\` | ${cell(spec.help)} | ${cell(defaultText(spec))} | ${cell(rangeText(key, spec))} | ${cell(usedBy(key))} |`);
  }
  return rows.join('\n');
}

/** The table of strategies with their own parameters. */
export function renderStrategyTable(): string {
  const rows = ['| `strategy=` | What it does | Own parameters |', '| --- | --- | --- |'];
  for (const id of STRATEGY_IDS) {
    const s = STRATEGIES[id];
    // The processors are listed once, in the parameter table.
    const refused = SAMPLING_PARAMS.filter((k) => k in s.refuses);
    const sampling = SAMPLING_PARAMS.every((k) => s.params.includes(k) || refused.includes(k));
    const own = s.params.filter((k) => !sampling || !SAMPLING_PARAMS.includes(k));
    const all = refused.length ? `all sampling processors except ${refused.map(code).join(', ')}` : 'all sampling processors';
    const params = [...(s.needsDraft ? ['draft'] : []), ...own].map(code).concat(sampling ? [all] : []).join(', ') || '-';
    rows.push(`| \`${id}\` | ${cell(s.summary)}${s.lossy ? ' (lossy)' : ''} | ${params} |`);
  }
  return rows.join('\n');
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers. */
export function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers for ${name} not found`);
  return doc.slice(0, i + start.length) + '\n' + body + '\n' + doc.slice(j);
}
