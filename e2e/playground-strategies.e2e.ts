/**
 * Every strategy of the registry runs from the UI on the embedded model, and its
 * view shows what happened (markers and details for AdaDec / CNTP / entropix, beams for beam
 * search, the draft tree for speculative strategies), every run's stats split its time into model /
 * kernels / other, and a longer spec-chain run answers "does speculation pay?" with finite numbers.
 * One page, one model load; WASM for speed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { resolve } from 'node:path';
import { launch, screenshot, watchErrors } from './browser.ts';
import { STRATEGIES, STRATEGY_IDS, type StrategyId } from '../src/engine/config/index.ts';

/** Settings that make each strategy act within a few tokens (thresholds low, trials few and short). */
const SETTINGS: Partial<Record<StrategyId, Record<string, string>>> = {
  adadec: { adadec_tau: '0.5', adadec_candidates: '2', adadec_lookahead: '2' },
  cntp: { cntp_entropy_min: '0', cntp_entropy_max: '0.5', cntp_max_trials: '3', cntp_max_trial_tokens: '3' },
  entropix: { entropix_entropy_threshold: '0.1', entropix_varentropy_threshold: '0.1', entropix_branches: '2' },
  beam: { num_beams: '2' },
  'spec-chain': { num_draft_tokens: '3' },
};

/** Strategies whose events mark the timeline. */
const MARKS = new Set<StrategyId>(['adadec', 'cntp', 'entropix']);

describe('strategies from the UI', () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    errors = watchErrors(page);
    await page.goto(new URL('/?backend=wasm&max_new_tokens=6&prompt=The%20old%20man', inject('baseURL')).toString());
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const id of STRATEGY_IDS) {
    it(`${id} runs and its view shows what happened`, async () => {
      await page.getByTestId('reset').click();
      await page.getByTestId('strategy-select').selectOption(id);
      for (const [k, v] of Object.entries(SETTINGS[id] ?? {})) await page.getByTestId(`param-${k}`).fill(v);
      await expect.poll(() => new URL(page.url()).searchParams.get('strategy')).toBe(id);
      await page.getByTestId('run').click();
      await page.locator('[data-testid="output"][data-status="done"], [data-testid="output"][data-status="error"]').waitFor({ timeout: 180_000 });
      expect(await page.getByTestId('output').getAttribute('data-status'), (await page.getByTestId('error').allInnerTexts()).join()).toBe('done');
      const n = await page.getByTestId('token').count();
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(6);
      expect(await page.getByTestId('run-timing').innerText()).toMatch(/^model \/ kernels \/ other \d+ \/ \d+ \/ \d+ ms$/);
      expect(await page.locator('[data-testid="chart-entropy"] .step-hit').count()).toBe(n);
      if (MARKS.has(id)) {
        const markers = page.locator('[data-testid="chart-entropy"] .marker');
        expect(await markers.count()).toBeGreaterThan(0);
        await markers.first().click();
        expect(await page.getByTestId('strategy-details').innerText()).toMatch(/AdaDec|CNTP|Entropix/);
      }
      if (id === 'beam') {
        expect(await page.locator('[data-testid="token"][data-source="beam"]').count()).toBe(n);
        await page.getByTestId('token').first().click();
        expect(await page.getByTestId('strategy-details').innerText()).toContain('Beams after step');
      }
      if (STRATEGIES[id].needsDraft || id === 'prompt-lookup' || id === 'recycling') {
        // each verification step shows its draft tree, or says that nothing was drafted there
        let trees = 0;
        for (let i = 0; i < n; i++) {
          await page.getByTestId('token').nth(i).click();
          const nodes = await page.locator('[data-testid="chart-draft-tree"] circle').count();
          if (nodes > 1) trees++;
          else expect(await page.getByTestId('no-draft').count()).toBe(1);
        }
        // model-drafted strategies always draft at their first step (prompt lookup and recycling may find nothing)
        if (STRATEGIES[id].needsDraft && id !== 'spec-adaptive') expect(trees).toBeGreaterThan(0);
        expect(await page.getByTestId('spec-stats').innerText()).toContain('mean accepted length');
        // spec-chain drafts at every step, so its payoff always has a draft length and a cost ratio
        // (break-even reads "never" when a cold first run makes a draft pass cost more than a target pass)
        if (id === 'spec-chain') {
          const { breakEven, ...f } = await payoffFigures(page);
          for (const v of Object.values(f)) expect(Number.isFinite(v), JSON.stringify(f)).toBe(true);
          if (!Number.isFinite(breakEven)) expect(await page.getByTestId('payoff-break-even').innerText()).toBe('never');
        }
      }
      await screenshot(page, `strategy-${id}`);
      expect(errors).toEqual([]);
    });
  }

  it('spec-chain over 48 tokens: "does speculation pay?" shows the cost ratio, acceptance, break-even, predicted and measured speedup', async () => {
    await page.goto(new URL(`/?backend=wasm&strategy=spec-chain&num_draft_tokens=4&max_new_tokens=48&prompt=${encodeURIComponent('The jury said it did find that')}`, inject('baseURL')).toString());
    await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
    await page.getByTestId('run').click();
    await page.locator('[data-testid="output"][data-status="done"]').waitFor({ timeout: 180_000 });
    const f = await payoffFigures(page);
    expect(f.c).toBeGreaterThan(0);
    expect(f.c).toBeLessThan(1); // the embedded draft is much smaller than the target
    for (const k of ['alpha', 'breakEven'] as const) {
      expect(f[k]).toBeGreaterThan(0);
      expect(f[k]).toBeLessThan(1);
    }
    expect(f.predicted).toBeGreaterThan(0);
    expect(f.measured).toBeGreaterThan(0);
    // what the prediction leaves out: the kernels' share of the run (stats.timing), draft rows included
    expect(f.kernels).toBeGreaterThan(0);
    expect(f.kernels).toBeLessThan(100);
    expect(await page.getByTestId('payoff-kernels').innerText()).toMatch(/^\d+%$/);
    // the chart marks this run (predicted and measured) and the break-even acceptance rate
    const chart = page.getByTestId('chart-spec-payoff');
    expect(await chart.locator('.point-predicted').count()).toBe(1);
    expect(await chart.locator('.point-measured').count()).toBe(1);
    expect(await chart.locator('.break-even').count()).toBe(1);
    const panel = page.getByTestId('spec-payoff');
    await panel.scrollIntoViewIfNeeded();
    // what a projector at 1280x720 shows with the panel scrolled into view, and the panel alone
    await page.screenshot({ path: resolve(SHOTS, 'spec-payoff-viewport.png') });
    await panel.screenshot({ path: resolve(SHOTS, 'spec-payoff.png') });
    expect(errors).toEqual([]);
  });
});

const SHOTS = resolve(process.cwd(), 'e2e/screenshots');

/** The payoff panel's figures as numbers (NaN where the text is not one). */
async function payoffFigures(page: Page) {
  const read = async (id: string) => Number.parseFloat(await page.getByTestId(`payoff-${id}`).innerText());
  return { c: await read('c'), alpha: await read('alpha'), breakEven: await read('break-even'), predicted: await read('predicted'), measured: await read('measured'), kernels: await read('kernels') };
}
