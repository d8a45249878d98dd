/**
 * Compare mode, the classroom gallery, the model panel's download question and load errors, and
 * the no-WebGPU path. Real Chromium, real embedded model; backend=wasm keeps runs quick.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, screenshot, watchErrors } from './browser.ts';

async function open(browser: Browser, query = '') {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const base = new URL(inject('baseURL'));
  const external: string[] = [];
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.host !== base.host) external.push(r.url());
  });
  const page: Page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(new URL(query, base).toString());
  return { page, context, errors, external };
}

async function waitStatus(page: Page, testId: string, status = 'done'): Promise<void> {
  await page.locator(`[data-testid="${testId}"][data-status="${status}"], [data-testid="${testId}"][data-status="error"]`).waitFor({ timeout: 120_000 });
  expect(await page.getByTestId(testId).getAttribute('data-status')).toBe(status);
}

describe('playground modes', () => {
  let browser: Browser;
  let noGpu: Browser;
  beforeAll(async () => {
    browser = await launch();
    noGpu = await launch({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
    await noGpu?.close();
  });

  it('compares two configs on the same prompt and seed, highlighting differences', async () => {
    const b = encodeURIComponent('strategy=sample&temperature=1.5');
    const { page, context, errors } = await open(browser, `/?mode=compare&strategy=greedy&backend=wasm&max_new_tokens=8&seed=3&b=${b}`);
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('view-compare').innerText()).toContain('Strategy: greedy → sample');
    await page.getByTestId('compare-run').click();
    await waitStatus(page, 'output-A');
    await waitStatus(page, 'output-B');
    const a = await page.locator('[data-testid="compare-A"] [data-testid="token"]').allInnerTexts();
    const bt = await page.locator('[data-testid="compare-B"] [data-testid="token"]').allInnerTexts();
    expect(a).toHaveLength(8);
    expect(bt).toHaveLength(8);
    expect(await page.getByTestId('compare-stats').innerText()).toContain('mean entropy');
    const differing = await page.locator('[data-testid="compare-B"] .tok.differs').count();
    expect(differing).toBe(a.filter((x, i) => x !== bt[i]).length);
    expect(await page.getByTestId('divergence').innerText()).toMatch(/part ways|identical/);
    // the entropy chart compares both; clicking a step shows both candidate lists
    await page.locator('[data-testid="chart-compare-entropy"] .step-hit').nth(1).click();
    expect(await page.getByTestId('candidates').count()).toBe(2);
    // the link keeps the mode and the second config
    const url = new URL(page.url());
    expect(url.searchParams.get('mode')).toBe('compare');
    expect(url.searchParams.get('b')).toContain('temperature=1.5');
    await screenshot(page, 'playground-compare');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('analyzes a pasted text: every token coloured by rank, perplexity, entropy timeline; the text is in the link', async () => {
    const text = 'The old man looked at the <b>sea</b>.';
    const { page, context, errors } = await open(browser, `/?mode=analyze&backend=wasm&text=${encodeURIComponent(text)}`);
    expect(await page.getByTestId('analyze-text').inputValue()).toBe(text);
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    await page.getByTestId('analyze-run').click();
    await waitStatus(page, 'analyze-output');
    const toks = await page.locator('[data-testid="analyze-output"] [data-testid="token"]').allInnerTexts();
    expect(toks.length).toBeGreaterThan(5);
    expect(toks.join('')).toContain('sea');
    expect(await page.locator('#root b').count()).toBe(0);
    expect(await page.getByTestId('analyze-summary').innerText()).toMatch(/perplexity \d/);
    expect(await page.locator('[data-testid="chart-entropy"] .step-hit').count()).toBe(toks.length);
    await page.locator('[data-testid="analyze-output"] [data-testid="token"]').nth(2).click();
    expect(await page.getByTestId('candidates').innerText()).toContain('Step 2');
    expect(new URL(page.url()).searchParams.get('text')).toBe(text);
    await screenshot(page, 'playground-analyze');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the classroom gallery; a preset opens as a link and runs', async () => {
    const { page, context, errors } = await open(browser, '/?mode=classroom&backend=wasm');
    const cards = page.locator('[data-testid^="preset-"]');
    expect(await cards.count()).toBeGreaterThanOrEqual(5);
    await screenshot(page, 'playground-classroom');
    const card = page.getByTestId('preset-top-k');
    expect(await card.locator('a').getAttribute('href')).toContain('top_k=5');
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    await card.locator('a').click();
    await waitStatus(page, 'output');
    expect(new URL(page.url()).searchParams.get('top_k')).toBe('5');
    expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
    expect(await page.locator('[data-testid="chart-waterfall"] text', { hasText: 'top-k' }).count()).toBe(1);
    await screenshot(page, 'playground-preset-top-k');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the sampler-order preset runs both orders on one seed; each waterfall names its order and lists the stages as they ran', async () => {
    const { page, context, errors } = await open(browser, '/?mode=classroom&backend=wasm');
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    await page.getByTestId('preset-sampler-order').locator('a').click();
    await page.getByTestId('compare-run').click();
    await waitStatus(page, 'output-A');
    await waitStatus(page, 'output-B');
    await page.locator('[data-testid="chart-compare-entropy"] .step-hit').nth(1).click();
    const falls = page.locator('[data-testid="chart-waterfall"]');
    expect(await falls.count()).toBe(2);
    const rows = async (i: number) => (await falls.nth(i).locator('text').allTextContents()).filter((t) => ['temperature', 'top-k', 'min-p'].includes(t));
    expect(await rows(0)).toEqual(['temperature', 'top-k', 'min-p']);
    expect(await rows(1)).toEqual(['top-k', 'min-p', 'temperature']);
    const titles = await page.locator('.chart-title', { hasText: 'Processor waterfall' }).allInnerTexts();
    expect(titles).toEqual(['Processor waterfall (Hugging Face order, top to bottom)', 'Processor waterfall (llama.cpp order, top to bottom)']);
    await screenshot(page, 'preset-sampler-order');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks before downloading a hub model from a link, showing its size, and never downloads by itself', async () => {
    const { page, context, errors, external } = await open(browser, '/?model=HuggingFaceTB/SmolLM2-135M-Instruct&prompt=Hello%20there');
    const ask = page.getByTestId('download-ask');
    await ask.waitFor();
    expect(await ask.innerText()).toContain('140 MB');
    // Run does not start a download either: it asks
    await page.getByTestId('run').click();
    await ask.waitFor();
    await page.waitForTimeout(500);
    expect(external).toEqual([]);
    expect(await page.getByTestId('prompt').inputValue()).toBe('Hello there');
    await screenshot(page, 'playground-model-ask');
    await page.getByRole('button', { name: 'Use the embedded model' }).first().click();
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    expect(new URL(page.url()).searchParams.get('model')).toBe('playground/brown-target-v1');
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows per-file and overall progress while loading; Cancel stops the load and Load model resumes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    // Slow the weights down so the progress can be seen (the files are still the real ones).
    let slow = true;
    await context.route('**/models/playground/brown-target-v1/onnx/**', async (route) => {
      if (slow) await new Promise((r) => setTimeout(r, 2500));
      await route.continue();
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(new URL('/?backend=wasm', inject('baseURL')).toString());
    await page.getByTestId('progress-overall').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('.progress-label .file').allInnerTexts(), { timeout: 60_000 }).toContain('config.json');
    // The weights are held back: until their download answers, the overall line cannot know the
    // total, so it says what is known so far instead of a full bar.
    await expect.poll(() => page.locator('.progress-label .file').allInnerTexts(), { timeout: 60_000 }).toContain('onnx/model.onnx');
    expect(await page.getByTestId('progress-overall').innerText()).toMatch(/KB so far, 1 file starting/);
    expect(await page.getByTestId('model-strip').innerText()).toMatch(/KB so far, 1 file starting/);
    await screenshot(page, 'playground-loading');
    await page.getByTestId('progress-overall').scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-loading-files');
    await page.getByTestId('load-cancel').click();
    expect(await page.getByTestId('load-status').getAttribute('data-status')).toBe('idle');
    slow = false;
    await page.getByRole('button', { name: 'Load model' }).click();
    expect(await page.getByTestId('model-ready').innerText({ timeout: 120_000 })).toContain('on WASM');
    await page.getByTestId('param-max_new_tokens').fill('3');
    await page.getByTestId('run').click();
    await waitStatus(page, 'output');
    expect(await page.getByTestId('token').count()).toBe(3);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an unknown model id gives a clear message and keeps the prompt', async () => {
    const { page, context, external } = await open(browser, '/?model=playground/no-such-model-v9&prompt=Keep%20me&backend=wasm');
    const err = page.getByTestId('error');
    await err.waitFor({ timeout: 60_000 });
    expect(await err.innerText()).toMatch(/Model not found: playground\/no-such-model-v9/);
    expect(await page.getByTestId('load-status').getAttribute('data-status')).toBe('error');
    expect(await page.getByTestId('prompt').inputValue()).toBe('Keep me');
    await screenshot(page, 'playground-model-error');
    expect(external).toEqual([]);
    await context.close();
  });

  it('runs on WASM when WebGPU is unavailable and says so', async () => {
    const { page, context, errors } = await open(noGpu, '/?strategy=sample&max_new_tokens=4');
    expect(await page.locator('[data-testid="capabilities"][data-webgpu="false"]').innerText()).toContain('WebGPU unavailable');
    expect(await page.getByTestId('model-ready').innerText({ timeout: 120_000 })).toContain('on WASM');
    await page.getByTestId('run').click();
    await waitStatus(page, 'output');
    expect(await page.getByTestId('token').count()).toBe(4);
    await page.getByRole('button', { name: 'Large type' }).click();
    await screenshot(page, 'playground-nogpu-large');
    // presentation: the views take the whole width; the keyboard still runs
    await page.getByTestId('toggle-controls').click();
    expect(await page.getByTestId('prompt-panel').isVisible()).toBe(false);
    await page.locator('body').press('Control+Enter');
    await waitStatus(page, 'output');
    await screenshot(page, 'playground-presentation');
    await page.getByTestId('toggle-controls').click();
    expect(await page.getByTestId('prompt-panel').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
