/**
 * The teaching tools in real Chromium on WASM: the draft tree's labels never overlap for tree
 * widths 1-4 and depths 1-6 (real spec-tree runs from the UI, every verification step, normal and
 * Large type), the accepted-length histogram, the losslessness check (it reports a p-value) and
 * the kept-set chart. Screenshots at 1280x720 go to e2e/screenshots/ for a human to judge.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launch, watchErrors } from './browser.ts';

const SHOTS = resolve(process.cwd(), 'e2e/screenshots');
const PROMPT = 'The old man looked at the';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launch({ webgpu: false });
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  errors = watchErrors(page);
});
afterAll(async () => browser?.close());

async function open(query: string): Promise<void> {
  await page.goto(new URL(`/?backend=wasm&prompt=${encodeURIComponent(PROMPT)}&${query}`, inject('baseURL')).toString());
  await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
}

async function run(): Promise<number> {
  await page.getByTestId('run').click();
  await page.locator('[data-testid="output"][data-status="done"], [data-testid="output"][data-status="error"]').waitFor({ timeout: 180_000 });
  expect(await page.getByTestId('output').getAttribute('data-status'), (await page.getByTestId('error').allInnerTexts()).join()).toBe('done');
  return page.getByTestId('token').count();
}

async function shot(target: Locator, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await target.scrollIntoViewIfNeeded();
  await target.screenshot({ path: resolve(SHOTS, `${name}.png`) });
}

/** Every pair of text boxes in the draft tree that overlap, and every box outside the drawing. */
function treeLabelProblems(): Promise<string[]> {
  return page.locator('[data-testid="chart-draft-tree"] svg').evaluate((svg) => {
    const pad = 0.5;
    const frame = svg.getBoundingClientRect();
    const boxes = [...svg.querySelectorAll('text')].filter((t) => t.textContent).map((t) => ({ text: t.textContent!, r: t.getBoundingClientRect() }));
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i].r;
      if (a.left < frame.left - pad || a.right > frame.right + pad || a.top < frame.top - pad || a.bottom > frame.bottom + pad) out.push(`outside: ${boxes[i].text}`);
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j].r;
        if (a.left < b.right - pad && b.left < a.right - pad && a.top < b.bottom - pad && b.top < a.bottom - pad) out.push(`overlap: "${boxes[i].text}" / "${boxes[j].text}"`);
      }
    }
    return out;
  });
}

describe('teaching tools', () => {
  it('draft tree labels never overlap for widths 1-4 and depths 1-6, at every step', async () => {
    await open('strategy=spec-tree&max_new_tokens=4');
    let trees = 0;
    for (let width = 1; width <= 4; width++) {
      for (let depth = 1; depth <= 6; depth++) {
        await page.getByTestId('reset').click();
        await page.getByTestId('param-tree_width').fill(String(width));
        await page.getByTestId('param-tree_depth').fill(String(depth));
        // defaults (width 2, depth 4) are left out of the link
        const inUrl = (k: string, dflt: string) => new URL(page.url()).searchParams.get(k) ?? dflt;
        await expect.poll(() => [inUrl('tree_width', '2'), inUrl('tree_depth', '4')]).toEqual([String(width), String(depth)]);
        const n = await run();
        for (let i = 0; i < n; i++) {
          await page.getByTestId('token').nth(i).click();
          if (!(await page.getByTestId('chart-draft-tree').count())) continue;
          trees++;
          expect(await treeLabelProblems(), `width ${width} depth ${depth} token ${i}`).toEqual([]);
        }
        if (width === 2 && depth === 4) {
          await page.getByTestId('token').first().click();
          await shot(page.getByTestId('chart-draft-tree'), 'teaching-draft-tree-w2-d4');
        }
        if (width === 4 && depth === 6) {
          await page.getByTestId('token').first().click();
          await shot(page.getByTestId('chart-draft-tree'), 'teaching-draft-tree-w4-d6');
          // Large type: bigger labels, still apart
          await page.getByRole('button', { name: 'Large type' }).click();
          for (let i = 0; i < n; i++) {
            await page.getByTestId('token').nth(i).click();
            if (await page.getByTestId('chart-draft-tree').count()) expect(await treeLabelProblems(), `large type, token ${i}`).toEqual([]);
          }
          await page.getByTestId('token').first().click();
          await shot(page.getByTestId('chart-draft-tree'), 'teaching-draft-tree-w4-d6-large');
          await page.getByRole('button', { name: 'Normal type' }).click();
        }
      }
    }
    expect(trees).toBeGreaterThan(24);
    expect(errors).toEqual([]);
  });

  it('shows the accepted-length histogram and the kept-set chart of a step', async () => {
    await open('strategy=spec-chain&num_draft_tokens=4&max_new_tokens=48&seed=3&top_p=0.9');
    await run();
    const hist = page.getByTestId('chart-accepted-length');
    expect(await hist.locator('rect.bar-measured').count()).toBe(5);
    expect(await hist.locator('rect.bar-predicted').count()).toBe(5);
    expect(await hist.innerText()).toContain('measured');
    expect(await hist.innerText()).toMatch(/α = 0\.\d\d/);
    await shot(hist, 'teaching-accepted-length');

    await page.getByTestId('token').nth(3).click();
    await page.getByTestId('kept-set-show').click();
    const kept = page.getByTestId('chart-kept-set');
    await kept.waitFor({ timeout: 60_000 });
    for (const k of ['topP', 'minP', 'nSigma']) expect(await kept.locator(`path.line-${k}`).count()).toBe(1);
    expect(await kept.innerText()).toContain('top-p 0.9');
    await shot(kept, 'teaching-kept-set');
    expect(errors).toEqual([]);
  });

  it('checks losslessness on WASM and reports a p-value', async () => {
    await open('strategy=spec-chain&temperature=1&top_k=10&num_draft_tokens=3&max_new_tokens=8&seed=100');
    await run();
    await page.getByTestId('lossless-check').click();
    await page.getByTestId('lossless-progress').waitFor();
    const result = page.getByTestId('lossless-result');
    await result.waitFor({ timeout: 280_000 });
    const p = Number(await result.getAttribute('data-p'));
    expect(Number.isFinite(p)).toBe(true);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(await result.innerText()).toMatch(/200 speculative \+ 200 plain-sampling runs/);
    expect(await result.innerText()).toMatch(/p = /);
    // fixed seeds: the verdict is deterministic, and a lossless method must not fail at alpha = 0.01
    expect(p).toBeGreaterThan(0.01);
    await shot(page.getByTestId('lossless-panel'), 'teaching-lossless-check');
    expect(errors).toEqual([]);
  });
});
