/**
 * The engine harness page (e2e/pages/engine.html) from the tests' side: open it in a browser,
 * run a link on a backend, call its other functions, and run the same link through the Node CLI
 * for comparison.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { watchErrors } from './browser.ts';

/** What `window.harness.run` returns; `E` types the strategy events a test reads. */
export interface HarnessRun<E = { kind: string; position: number; data: Record<string, unknown> }> {
  warnings: string[];
  reason: string;
  error?: string;
  ids: number[];
  sources: string[];
  events: E[];
  text: string;
  kernels: string;
  stats: { tokensEmitted: number; targetForwards: number; draftForwards: number; bytesReadBackPerToken: number };
  memory: { token: number; bytes: number; buffers: number }[];
}

export interface RunOptions {
  /** Sample live GPU buffers every N tokens (0 = never). */
  sampleEvery?: number;
  /** WGSL kernels reading ORT's logits in place (webgpu only); CPU kernels otherwise. */
  gpuKernels?: boolean;
}

export interface Harness {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  run<E = HarnessRun['events'][number]>(query: string, backend?: 'wasm' | 'webgpu', opts?: RunOptions): Promise<HarnessRun<E>>;
  /** Any other function on `window.harness`. */
  call<T>(fn: string, ...args: unknown[]): Promise<T>;
}

type Window = { harness: Record<string, (...a: unknown[]) => Promise<unknown>> };

export async function openHarness(browser: Browser): Promise<Harness> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(new URL('/e2e/pages/engine.html', inject('baseURL')).href);
  await page.waitForFunction(() => document.title === 'engine harness ready');
  const call = <T>(fn: string, ...args: unknown[]) =>
    page.evaluate(([f, a]) => (window as unknown as Window).harness[f as string](...(a as unknown[])), [fn, args] as const) as Promise<T>;
  return {
    page,
    errors,
    call,
    run: (query, backend = 'wasm', { sampleEvery = 0, gpuKernels = false } = {}) => call('run', query, backend, sampleEvery, gpuKernels),
  };
}

const exec = promisify(execFile);

/** The same link through `cli generate` in Node (onnxruntime-node, CPU kernels). */
export async function cliGenerate(prompt: string, query: string): Promise<{ tokens: { id: number }[]; text: string }> {
  const r = await exec('npx', ['tsx', 'cli/main.ts', 'generate', '--prompt', prompt, '--config', query], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(r.stdout);
}
