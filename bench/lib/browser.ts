/**
 * Starts what the browser suites need: a Vite dev server on the repo root (as e2e/global-setup.ts
 * does) and headless Chromium with WebGPU, on bench/pages/bench.html. `call` runs a bench-page
 * function in the page.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { chromePath } from '../../e2e/browser.ts';
import type { BenchPageApi } from '../pages/bench-page.ts';
import { REPO } from './common.ts';

const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
  // performance.memory without the 20-minute quantization Chromium applies by default.
  '--enable-precise-memory-info',
];

export interface BenchBrowser {
  page: Page;
  info: { version: string; userAgent: string; adapter: string; crossOriginIsolated: boolean };
  call<K extends keyof BenchPageApi>(name: K, ...args: BenchPageApi[K] extends (...a: infer A) => unknown ? A : never): Promise<Awaited<ReturnType<Extract<BenchPageApi[K], (...a: never[]) => unknown>>>>;
  close(): Promise<void>;
}

export async function startBrowser(): Promise<BenchBrowser> {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await createServer({
      root: REPO,
      logLevel: 'warn',
      server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
      optimizeDeps: { entries: ['bench/pages/*.html'] },
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('Vite dev server did not report a URL');
    browser = await chromium.launch({ executablePath: chromePath(), headless: true, args: ARGS });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(new URL('/bench/pages/bench.html', url).href);
    await page.waitForFunction(() => document.title === 'bench page ready', undefined, { timeout: 120_000 }).catch((err: unknown) => {
      throw new Error(`bench page did not start: ${errors.join('; ') || String(err)}`);
    });
    const call = ((name: string, ...args: unknown[]) =>
      page.evaluate(([n, a]) => (window as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench[n as string](...(a as unknown[])), [name, args] as const)) as BenchBrowser['call'];
    const pinfo = await call('info');
    const b = browser;
    const s = server;
    return {
      page,
      info: { version: b.version(), userAgent: pinfo.userAgent, adapter: pinfo.adapter, crossOriginIsolated: pinfo.crossOriginIsolated },
      call,
      async close() {
        await b.close();
        await s.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await server?.close();
    throw err;
  }
}

let shared: Promise<BenchBrowser> | undefined;

/** One browser (and dev server, and loaded models) shared by every browser suite of a process. */
export function getBrowser(): Promise<BenchBrowser> {
  shared ??= startBrowser();
  return shared;
}

export async function closeBrowser(): Promise<void> {
  const b = shared;
  shared = undefined;
  if (b) await (await b).close().catch(() => undefined);
}
