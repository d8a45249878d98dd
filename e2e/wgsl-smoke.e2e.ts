import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, watchErrors } from './browser.ts';
import { readFileSync } from 'node:fs';
import { hashKey, uniform } from '../src/engine/rng.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

// Runs shaders/rng.wgsl in a compute pass in Chromium and checks it against src/engine/rng.ts,
// bit for bit: the CPU and WebGPU paths must draw the same random numbers.
it('WGSL compute shader in Chromium reproduces the CPU RNG bit for bit', async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(inject('baseURL'));
  const N = 4099; // not a multiple of the workgroup size
  const seed = 123456789;
  const step = 17;
  const purpose = 0x301;
  const gpu = await page.evaluate(
    async ({ N, seed, step, purpose, rng }) => {
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('no adapter');
      const device = await adapter.requestDevice();
      const code = `${rng}
        struct P { seed: u32, step: u32, purpose: u32, n: u32 }
        @group(0) @binding(0) var<uniform> p: P;
        @group(0) @binding(1) var<storage, read_write> hashes: array<u32>;
        @group(0) @binding(2) var<storage, read_write> uniforms: array<f32>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
          if (id.x >= p.n) { return; }
          hashes[id.x] = hash_key(p.seed, p.step, p.purpose, id.x);
          uniforms[id.x] = rng_uniform(p.seed, p.step, p.purpose, id.x);
        }`;
      const module = device.createShaderModule({ code });
      const info = await module.getCompilationInfo();
      const errs = info.messages.filter((m) => m.type === 'error');
      if (errs.length) throw new Error(errs.map((m) => m.message).join('\n'));
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(params, 0, new Uint32Array([seed, step, purpose, N]));
      const bytes = N * 4;
      const out1 = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const out2 = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: bytes * 2, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const bind = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: out1 } },
          { binding: 2, resource: { buffer: out2 } },
        ],
      });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(Math.ceil(N / 64));
      pass.end();
      enc.copyBufferToBuffer(out1, 0, read, 0, bytes);
      enc.copyBufferToBuffer(out2, 0, read, bytes, bytes);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const buf = read.getMappedRange().slice(0);
      read.unmap();
      device.destroy();
      return { hashes: Array.from(new Uint32Array(buf, 0, N)), uniforms: Array.from(new Float32Array(buf, bytes, N)) };
    },
    { N, seed, step, purpose, rng: readFileSync('shaders/rng.wgsl', 'utf8') },
  );
  const expectedHashes = Array.from({ length: N }, (_, i) => hashKey(seed, step, purpose, i));
  const expectedUniforms = Array.from({ length: N }, (_, i) => uniform(seed, step, purpose, i));
  expect(gpu.hashes).toEqual(expectedHashes);
  expect(gpu.uniforms).toEqual(expectedUniforms);
  expect(errors).toEqual([]);
});
