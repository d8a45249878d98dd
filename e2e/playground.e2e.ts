/**
 * The playground end to end, in real headless Chromium with the real embedded model (no mocks).
 * WebGPU on SwiftShader runs at ~1 token/s, so the WebGPU run is short; the other tests put
 * backend=wasm in their links (a legitimate config key) to keep the suite fast on a 2-core CI.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, screenshot, watchErrors } from './browser.ts';
import { STRATEGIES, STRATEGY_IDS } from '../src/engine/config/index.ts';

interface Opened {
  page: Page;
  context: BrowserContext;
  errors: string[];
  /** Requests that left the machine (anything not served by the local dev server). */
  external: string[];
  dialogs: string[];
}

async function open(browser: Browser, query = ''): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const base = new URL(inject('baseURL'));
  const external: string[] = [];
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.host !== base.host) external.push(r.url());
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(new URL(query, base).toString());
  return { page, context, errors, external, dialogs };
}

async function waitStatus(page: Page, status: string, testId = 'output'): Promise<void> {
  await page.locator(`[data-testid="${testId}"][data-status="${status}"], [data-testid="${testId}"][data-status="error"]`).waitFor({ timeout: 120_000 });
  const got = await page.getByTestId(testId).getAttribute('data-status');
  if (got !== status) throw new Error(`status ${got}: ${await page.getByTestId('error').allInnerTexts()}`);
}

async function runAndWait(page: Page): Promise<string[]> {
  await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
  await page.getByTestId('run').click();
  await waitStatus(page, 'done');
  return page.getByTestId('token').allInnerTexts();
}

const WASM = 'backend=wasm';

describe('playground', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the embedded model with no network, generates greedily on WebGPU and draws every view', async () => {
    const { page, context, errors, external } = await open(browser, '/?strategy=greedy&max_new_tokens=5&prompt=The%20old%20man');
    expect(await page.getByTestId('model-ready').innerText({ timeout: 120_000 })).toMatch(/brown-target-v1 on WebGPU/);
    const tokens = await runAndWait(page);
    // 5 tokens, or fewer when the model ends the text (EOS)
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.length).toBeLessThanOrEqual(5);
    if (tokens.length < 5) expect(await page.getByTestId('run-stats').innerText()).toContain('ended by eos');
    // greedy: every emitted token is the raw top-1
    expect(await page.locator('[data-testid="token"][data-bucket="top1"]').count()).toBe(tokens.length);
    expect(await page.getByTestId('output-prompt').innerText()).toBe('The old man');
    // views: probability bars, waterfall, entropy timeline
    expect(await page.locator('[data-testid="chart-probabilities"] rect').count()).toBeGreaterThanOrEqual(20);
    expect(await page.locator('[data-testid="chart-probabilities"] text', { hasText: 'probability' }).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart-waterfall"] rect').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart-entropy"] .step-hit').count()).toBe(tokens.length);
    // select a step by clicking the timeline, then by clicking a token
    await page.locator('[data-testid="chart-entropy"] .step-hit').first().click();
    expect(await page.locator('#prob-h').innerText()).toContain('at step 0');
    const last = tokens.length - 1;
    await page.getByTestId('token').nth(last).click();
    expect(await page.getByTestId('candidates').innerText()).toContain(`Step ${last}`);
    expect(await page.locator('#prob-h').innerText()).toContain(`at step ${last}`);
    await screenshot(page, 'playground-greedy-webgpu');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a shared sampling link reproduces the same tokens in a fresh context and in the Node CLI; another seed differs', async () => {
    const link = `/?strategy=sample&temperature=1&top_p=0.95&max_new_tokens=12&seed=1234&prompt=It%20was%20a&${WASM}`;
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const { page, context, errors } = await open(browser, link);
      runs.push(await runAndWait(page));
      if (i === 0) {
        // the browser's tokens are the Node CLI's tokens for the same config
        const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
        const trace = JSON.parse(readFileSync((await dl.path())!, 'utf8'));
        const cli = JSON.parse(
          execFileSync(resolve('node_modules/.bin/tsx'), ['cli/main.ts', 'generate', '--prompt', 'It was a', '--config', link.slice(2).replace(/&prompt=[^&]*/, '')], {
            encoding: 'utf8',
          }),
        );
        expect(trace.tokens.map((t: { id: number }) => t.id)).toEqual(cli.tokens.map((t: { id: number }) => t.id));
        // the processors acted: the waterfall names top-p
        expect(await page.locator('[data-testid="chart-waterfall"] text', { hasText: 'top-p' }).count()).toBe(1);
        await page.getByTestId('color-mode').selectOption('prob');
        await screenshot(page, 'playground-sample');
      }
      expect(errors).toEqual([]);
      await context.close();
    }
    expect(runs[0]).toHaveLength(12);
    expect(runs[1]).toEqual(runs[0]);
    const { page, context } = await open(browser, link.replace('seed=1234', 'seed=99'));
    const other = await runAndWait(page);
    expect(other).not.toEqual(runs[0]);
    await context.close();
  });

  it('a malformed link shows its warnings, still runs on defaults, and the banner can be dismissed', async () => {
    const { page, context, errors } = await open(browser, `/?temperature=abc&strategy=nope&foo=1&max_new_tokens=4&${WASM}`);
    const banner = page.getByTestId('warnings');
    const text = await banner.innerText();
    expect(text).toContain('temperature=abc is not a number');
    expect(text).toContain('strategy=nope');
    expect(text).toContain('unknown parameter foo');
    expect(await page.getByTestId('strategy-select').inputValue()).toBe('sample');
    // the canonical link replaced the broken one
    expect(new URL(page.url()).searchParams.get('foo')).toBeNull();
    expect(await runAndWait(page)).toHaveLength(4);
    await screenshot(page, 'playground-warnings');
    await page.getByRole('button', { name: 'Dismiss warnings' }).click();
    expect(await banner.count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renders a prompt from a link as text, never as HTML', async () => {
    const prompt = '<img src=x onerror=alert(1)><b>bold</b>';
    const { page, context, errors, dialogs } = await open(browser, `/?prompt=${encodeURIComponent(prompt)}&max_new_tokens=3&${WASM}`);
    expect(await page.getByTestId('prompt').inputValue()).toBe(prompt);
    await runAndWait(page);
    expect(await page.getByTestId('output-prompt').innerText()).toBe(prompt);
    expect(await page.locator('#root img, #root b').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps the URL in step with the config, copies the link, and back/forward restores', async () => {
    const { page, context, errors } = await open(browser, `/?max_new_tokens=3&${WASM}`);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: inject('baseURL') });
    // every strategy of the registry is listed, enabled, under its label
    const options = page.locator('[data-testid="strategy-select"] option');
    expect(await options.count()).toBe(STRATEGY_IDS.length);
    for (const id of STRATEGY_IDS) {
      const opt = page.locator(`[data-testid="strategy-select"] option[value="${id}"]`);
      expect(await opt.isDisabled(), id).toBe(false);
      expect(await opt.innerText()).toBe(STRATEGIES[id].label);
    }
    const temp = page.getByTestId('param-temperature');
    await temp.fill('0.7');
    await expect.poll(() => new URL(page.url()).searchParams.get('temperature')).toBe('0.7');
    await page.getByTestId('prompt').fill('Once upon a time');
    await expect.poll(() => new URL(page.url()).searchParams.get('prompt')).toBe('Once upon a time');
    await runAndWait(page); // pushes a history entry for this run's config
    await temp.fill('1.3');
    await expect.poll(() => new URL(page.url()).searchParams.get('temperature')).toBe('1.3');
    await page.getByTestId('copy-link').click();
    await page.getByTestId('copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(page.url());
    await page.getByTestId('prompt').fill('It was a');
    await runAndWait(page);
    expect(new URL(page.url()).searchParams.get('prompt')).toBe('It was a');
    await page.goBack();
    await expect.poll(() => temp.inputValue()).toBe('0.7');
    expect(await page.getByTestId('prompt').inputValue()).toBe('Once upon a time');
    await page.goForward();
    await expect.poll(() => temp.inputValue()).toBe('1.3');
    expect(await page.getByTestId('prompt').inputValue()).toBe('It was a');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the penalty keys (logit bias, presence/frequency, DRY) appear as controls, run, and stay in the link', async () => {
    const keys = { logit_bias: '13:2.5,50256:-100', presence_penalty: '0.5', frequency_penalty: '0.25', dry_multiplier: '0.8', dry_allowed_length: '3' };
    const { page, context, errors } = await open(browser, `/?strategy=sample&max_new_tokens=3&${new URLSearchParams(keys)}&${WASM}`);
    for (const [k, v] of Object.entries(keys)) expect(await page.getByTestId(`param-${k}`).inputValue(), k).toBe(v);
    expect(await runAndWait(page)).toHaveLength(3);
    await page.getByTestId('param-dry_multiplier').fill('1.5');
    await expect.poll(() => new URL(page.url()).searchParams.get('dry_multiplier')).toBe('1.5');
    for (const [k, v] of Object.entries(keys)) if (k !== 'dry_multiplier') expect(new URL(page.url()).searchParams.get(k), k).toBe(v);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('steps one token at a time (button and keyboard), then plays to the end', async () => {
    const { page, context, errors } = await open(browser, `/?strategy=greedy&max_new_tokens=6&${WASM}`);
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    await page.getByTestId('step').click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(1);
    await page.getByTestId('step').click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(2);
    await page.locator('body').press('.');
    await expect.poll(() => page.getByTestId('token').count()).toBe(3);
    expect(await page.getByTestId('output').getAttribute('data-status')).toBe('running');
    expect(await page.getByTestId('run-stats').innerText()).toContain('Paused at 3');
    await screenshot(page, 'playground-step');
    await page.getByTestId('resume').click();
    await waitStatus(page, 'done');
    expect(await page.getByTestId('token').count()).toBe(6);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('branches from a candidate: the new prompt becomes the link and runs', async () => {
    const { page, context, errors } = await open(browser, `/?strategy=greedy&max_new_tokens=4&prompt=The%20old%20man&${WASM}`);
    const first = await runAndWait(page);
    await page.getByTestId('token').nth(1).click();
    const cand = page.locator('[data-testid="candidates"] tbody tr').filter({ has: page.getByTestId('branch') }).first();
    const candText = (await cand.locator('code').innerText()).replace(/␣/g, ' ');
    await cand.getByTestId('branch').click();
    const expected = 'The old man' + first[0] + candText;
    await expect.poll(() => page.getByTestId('prompt').inputValue()).toBe(expected);
    await waitStatus(page, 'done');
    expect(new URL(page.url()).searchParams.get('prompt')).toBe(expected);
    expect(await page.getByTestId('output-prompt').innerText()).toBe(expected);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('exports the trace as JSON and each chart as SVG and PNG', async () => {
    const { page, context, errors } = await open(browser, `/?strategy=greedy&max_new_tokens=3&${WASM}`);
    await runAndWait(page);
    const save = async (click: () => Promise<void>) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
      return { name: dl.suggestedFilename(), body: readFileSync((await dl.path())!) };
    };
    const json = await save(() => page.getByTestId('export-json').click());
    const trace = JSON.parse(json.body.toString('utf8'));
    expect(json.name).toBe('trace.json');
    expect(trace.version).toBe(1);
    expect(trace.tokens).toHaveLength(3);
    expect(trace.end.reason).toBe('max_tokens');
    const svg = await save(() => page.locator('[data-testid="chart-entropy"]').getByRole('button', { name: 'SVG' }).click());
    expect(svg.name).toBe('entropy-timeline.svg');
    expect(svg.body.toString('utf8')).toContain('<svg');
    const png = await save(() => page.locator('[data-testid="chart-probabilities"]').getByRole('button', { name: 'PNG' }).click());
    expect(png.name).toMatch(/^probabilities-step-2\.png$/);
    expect(png.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.body.length).toBeGreaterThan(5000);
    expect(errors).toEqual([]);
    await context.close();
  });
});
