/**
 * Hub models through the real download path in Chromium, against a local hub mirror
 * (e2e/hub-mirror-server.ts) serving the tools/fixtures models under catalog ids; the page is
 * pointed at it with the dev-only `hub_mirror` URL parameter. Checked: the page asks before
 * downloading and states the size; per-file progress; cancel; a 404 and a connection dropped
 * mid-file (clear message, prompt and config kept); the storage preflight (estimate() against the
 * model size, before any request); a second load served from the browser cache with no request to
 * the mirror; the tokens equal `cli generate --models-dir` on the same files, on WASM and WebGPU.
 * Zero requests leave the machine: the context aborts and records any non-loopback request.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, watchErrors } from './browser.ts';
import { startHubMirror, type HubMirror } from './hub-mirror-server.ts';
import { FIXTURES } from '../tools/fixtures/specs.ts';
import { writeFixture } from '../tools/fixtures/write.ts';

const FIXTURES_DIR = path.join(os.tmpdir(), 'decoding-playground-hub-fixtures');
const PROMPT = 'Once upon a time';
const RUN = 'strategy=greedy&max_new_tokens=16';
const fixtureDir = (id: string) => writeFixture(FIXTURES_DIR, FIXTURES.find((f) => f.id === id)!);

// Catalog ids -> fixtures, each with the failure the test needs.
const OK = 'HuggingFaceTB/SmolLM2-135M-Instruct';
const SLOW = 'HuggingFaceTB/SmolLM2-360M-Instruct';
const DROPPED = 'onnx-community/Qwen2.5-0.5B-Instruct';
const MISSING = 'onnx-community/gemma-3-270m-it-ONNX';
const TOO_BIG = 'onnx-community/gemma-3-1b-it-ONNX';

let browser: Browser;
let mirror: HubMirror;
const external: string[] = [];

beforeAll(async () => {
  mirror = await startHubMirror({
    [OK]: { dir: fixtureDir('fixtures/tiny-llama') },
    [SLOW]: { dir: fixtureDir('fixtures/tiny-llama'), behaviour: 'slow' },
    [DROPPED]: { dir: fixtureDir('fixtures/tiny-qwen2'), behaviour: 'drop' },
    [MISSING]: { dir: fixtureDir('fixtures/tiny-gemma3'), behaviour: 'missing' },
  });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await mirror?.close();
});

async function newContext(init?: () => void): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (['data:', 'blob:'].includes(u.protocol) || u.hostname === '127.0.0.1' || u.hostname === 'localhost') return route.continue();
    external.push(route.request().url());
    return route.abort();
  });
  if (init) await context.addInitScript(init);
  return context;
}

async function open(context: BrowserContext, model: string, backend: 'wasm' | 'webgpu', extra = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  const q = `?model=${encodeURIComponent(model)}&backend=${backend}&dtype=fp32&${RUN}${extra}&prompt=${encodeURIComponent(PROMPT)}&hub_mirror=${encodeURIComponent(mirror.url)}`;
  await page.goto(new URL(q, inject('baseURL')).toString());
  if (!model.startsWith('playground/')) await page.getByTestId('download-ask').waitFor({ timeout: 60_000 });
  return { page, errors };
}

const requestsFor = (model: string) => mirror.requests.filter((r) => r.path.startsWith(model + '/'));

async function loadStatus(page: Page, status: 'ready' | 'error' | 'idle'): Promise<void> {
  await page.locator(`[data-testid="load-status"][data-status="${status}"]`).waitFor({ timeout: 180_000 });
}

/** Runs the configured decode in the page; returns the token texts and ms per token. */
async function runTokens(page: Page): Promise<{ texts: string[]; msPerToken: number }> {
  await page.getByTestId('run').click();
  await page.locator('[data-testid="output"][data-status="done"], [data-testid="output"][data-status="error"]').waitFor({ timeout: 180_000 });
  expect(await page.getByTestId('output').getAttribute('data-status')).toBe('done');
  const labels = await page.getByTestId('token').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  const texts = labels.map((l) => JSON.parse(/^token \d+: (".*"), rank /.exec(l)![1]) as string);
  const stats = await page.getByTestId('run-stats').innerText();
  const tps = Number(/([\d.]+) tok\/s/.exec(stats)?.[1]);
  return { texts, msPerToken: 1000 / tps };
}

const exec = promisify(execFile);
async function cliTokens(fixture: string, extra = ''): Promise<string[]> {
  const r = await exec('npx', ['tsx', 'cli/main.ts', 'generate', '--models-dir', FIXTURES_DIR, '--model', fixture, '--prompt', PROMPT, '--config', `${RUN}&dtype=fp32${extra}`], {
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 64 << 20,
  });
  return (JSON.parse(r.stdout) as { tokens: { text: string }[] }).tokens.map((t) => t.text);
}

describe('hub models from a local mirror', () => {
  it('asks with the size before any request; tokens equal the CLI on WASM, then on WebGPU from the browser cache with no request', async () => {
    const context = await newContext();
    const { page, errors } = await open(context, OK, 'wasm');
    expect(await page.getByTestId('download-ask').innerText()).toContain('about 140 MB');
    expect(await page.getByTestId('download-confirm').innerText()).toBe('Download 140 MB');
    expect(await page.getByTestId('storage-short').count()).toBe(0);
    expect(requestsFor(OK)).toEqual([]); // nothing fetched before the user agrees

    await page.getByTestId('download-confirm').click();
    await loadStatus(page, 'ready');
    const fetched = requestsFor(OK).map((r) => r.path.slice(OK.length + 1));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) expect(fetched).toContain(f);
    expect(requestsFor(OK).every((r) => r.status === 200 || r.status === 206 || r.status === 404)).toBe(true);

    const wasm = await runTokens(page);
    const node = await cliTokens('fixtures/tiny-llama');
    expect(wasm.texts).toEqual(node);
    console.log(`tiny-llama (as ${OK}) WASM: tokens equal the CLI, ${wasm.msPerToken.toFixed(1)} ms/token`);

    // A second page in the same browser profile: served from Cache Storage, the mirror sees nothing.
    const before = mirror.requests.length;
    const second = await open(context, OK, 'webgpu');
    await second.page.getByTestId('download-confirm').click();
    await loadStatus(second.page, 'ready');
    expect(mirror.requests.slice(before)).toEqual([]);
    const gpu = await runTokens(second.page);
    expect(gpu.texts).toEqual(node);
    console.log(`tiny-llama (as ${OK}) WebGPU: tokens equal the CLI, ${gpu.msPerToken.toFixed(1)} ms/token (from the browser cache)`);
    expect([...errors, ...second.errors]).toEqual([]);
    await context.close();
  });

  it('shows per-file progress during a slow download, and cancel stops it with the prompt and config kept', async () => {
    const context = await newContext();
    const { page } = await open(context, SLOW, 'wasm');
    await page.getByTestId('download-confirm').click();
    const file = page.locator('.progress', { hasText: 'onnx/model.onnx' });
    await file.waitFor({ timeout: 60_000 });
    // Partway: the file's bar moves while the download runs.
    await page.waitForFunction(() => {
      const bar = [...document.querySelectorAll('.progress')].find((p) => p.textContent?.includes('onnx/model.onnx'))?.querySelector('progress');
      return bar && bar.value > 0.05 && bar.value < 0.9;
    }, undefined, { timeout: 60_000 });
    await page.getByTestId('load-cancel').click();
    await loadStatus(page, 'idle');
    expect(await page.getByTestId('prompt').inputValue()).toBe(PROMPT);
    expect(new URL(page.url()).searchParams.get('model')).toBe(SLOW);
    expect(await page.getByTestId('model-select').inputValue()).toBe(SLOW);
    await context.close();
  });

  it.each([
    ['a 404 on the weights file', MISSING, /^Model not found: /],
    ['a connection dropped mid-file', DROPPED, /^Download interrupted$/],
  ])('%s: a clear message, the prompt and config kept', async (_name, model, title) => {
    const context = await newContext();
    const { page } = await open(context, model, 'wasm');
    await page.getByTestId('download-confirm').click();
    await loadStatus(page, 'error');
    const box = page.getByTestId('load-status').locator('.error-box');
    await expect(box.locator('strong').innerText()).resolves.toMatch(title);
    console.log(`${_name}: "${(await box.innerText()).replace(/\s+/g, ' ')}"`);
    expect(await page.getByTestId('prompt').inputValue()).toBe(PROMPT);
    expect(await page.getByTestId('model-select').inputValue()).toBe(model);
    expect(new URL(page.url()).searchParams.get('max_new_tokens')).toBe('16');
    expect(requestsFor(model).some((r) => r.path.endsWith('onnx/model.onnx'))).toBe(true);
    await context.close();
  });

  it('storage preflight: a model larger than the free quota is not downloaded', async () => {
    const context = await newContext(() => {
      // 300 MB quota, 100 MB used: Gemma 3 1B (about 1000 MB) cannot fit.
      Object.defineProperty(navigator.storage, 'estimate', { value: async () => ({ usage: 100e6, quota: 300e6 }) });
    });
    const { page } = await open(context, TOO_BIG, 'wasm');
    await page.getByTestId('storage-short').waitFor();
    expect(await page.getByTestId('storage-short').innerText()).toMatch(/needs about 1(\.0+)? GB and this site has 200(\.0+)? MB free/);
    expect(await page.getByTestId('download-confirm').isDisabled()).toBe(true);
    expect(requestsFor(TOO_BIG)).toEqual([]);
    await context.close();
  });

  it('chat mode: the template tokens are dimmed around the prompt, tokens equal the CLI; a model without a template warns', async () => {
    const context = await newContext();
    const { page, errors } = await open(context, OK, 'wasm', '&chat=true');
    await page.getByTestId('download-confirm').click();
    await loadStatus(page, 'ready');
    expect(await page.getByTestId('chat-ignored').count()).toBe(0);
    const run = await runTokens(page);
    expect(run.texts).toEqual(await cliTokens('fixtures/tiny-llama', '&chat=true'));
    const template = page.getByTestId('chat-template');
    expect(await template.count()).toBeGreaterThan(0);
    expect(await template.first().innerText()).toContain('<|begin_of_text|>');
    const opacity = await template.first().evaluate((e) => Number(getComputedStyle(e).opacity));
    expect(opacity).toBeLessThan(1);
    expect(await page.getByTestId('output-prompt').innerText()).toContain(PROMPT);

    const plain = await open(context, 'playground/brown-target-v1', 'wasm', '&chat=true');
    await loadStatus(plain.page, 'ready');
    expect(await plain.page.getByTestId('chat-ignored').innerText()).toMatch(/no chat template: chat is ignored/);
    expect([...errors, ...plain.errors]).toEqual([]);
    await context.close();
  });

  it('no request left the machine', () => {
    expect(external).toEqual([]);
    expect(mirror.requests.length).toBeGreaterThan(0);
  });
});
