import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, screenshot, watchErrors } from './browser.ts';

describe('app shell', () => {
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

  it('loads, shows the SwiftShader WebGPU adapter and logs no errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors = watchErrors(page);
    await page.goto(inject('baseURL'));
    await expect.poll(() => page.getByRole('heading', { name: 'Decoding Playground' }).count()).toBe(1);
    const panel = page.getByTestId('capabilities');
    await panel.and(page.locator('[data-webgpu]')).waitFor();
    expect(await panel.getAttribute('data-webgpu')).toBe('true');
    const adapter = await page.getByTestId('adapter').innerText();
    expect(adapter.toLowerCase()).toContain('swiftshader');
    expect(await page.getByTestId('shader-f16').innerText()).toMatch(/^no/);
    await screenshot(page, 'shell-webgpu');
    expect(errors).toEqual([]);
  });

  it('says it runs on WASM when WebGPU is unavailable', async () => {
    const page = await noGpu.newPage({ viewport: { width: 1280, height: 720 } });
    const errors = watchErrors(page);
    await page.goto(inject('baseURL'));
    const panel = page.locator('[data-testid="capabilities"][data-webgpu]');
    await panel.waitFor();
    expect(await panel.getAttribute('data-webgpu')).toBe('false');
    expect(await panel.innerText()).toContain('WebGPU unavailable: running on WASM');
    await screenshot(page, 'shell-wasm');
    expect(errors).toEqual([]);
  });

  it('answers a missing model file with 404, not index.html', async () => {
    const res = await fetch(new URL('/models/nobody/missing/config.json', inject('baseURL')));
    expect(res.status).toBe(404);
  });

  it('serves the ONNX Runtime wasm files from the app', async () => {
    const res = await fetch(new URL('/ort/ort-wasm-simd-threaded.asyncify.wasm', inject('baseURL')));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('wasm');
  });
});
