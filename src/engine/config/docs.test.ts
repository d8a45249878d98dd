import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderParameterTable, renderStrategyTable, replaceSection } from '../../../tests/support/url-parameters-doc.ts';
import { decodeConfig } from './url.ts';
import { PARAM_KEYS } from './params.ts';

const DOC = fileURLToPath(new URL('../../../docs/url-parameters.md', import.meta.url));

describe('docs/url-parameters.md', () => {
  const current = readFileSync(DOC, 'utf8');
  const expected = replaceSection(replaceSection(current, 'params', renderParameterTable()), 'strategies', renderStrategyTable());

  it('its tables match the parameter table and strategy registry (UPDATE_DOCS=1 rewrites them)', () => {
    if (process.env.UPDATE_DOCS === '1' && current !== expected) writeFileSync(DOC, expected);
    expect(current, 'docs are stale: run UPDATE_DOCS=1 npx vitest run src/engine/config/docs.test.ts').toBe(expected);
  });

  it('documents every key', () => {
    for (const key of ['v', ...PARAM_KEYS]) expect(current).toContain(`| \`${key}\` |`);
  });

  it('every example link opens without warnings', () => {
    const links = [...current.matchAll(/\]\((\/\?[^)\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(decodeConfig(link).warnings, link).toEqual([]);
  });

  it('the bad-link table shows the warnings the decoder really gives', () => {
    const rows = [...current.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|$/gm)];
    expect(rows.length).toBeGreaterThan(5);
    for (const [, link, warning] of rows) expect(decodeConfig(link).warnings).toEqual([warning]);
  });
});
