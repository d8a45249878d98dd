/**
 * Per-kernel bind-group layouts (KERNEL_BINDINGS) against the WGSL, and the bind-group cache.
 * Dawn in Node; no adapter = the suite fails with the reason.
 */
import { describe, expect, it } from 'vitest';
import { nd, useDawnDevice } from '../../../../tests/support/dawn.ts';
import { BindGroupCache } from './bind-groups.ts';
import { createStorageBuffer } from './buffer-pool.ts';
import type { BindingName, KernelName } from './pipelines.ts';
import { BINDINGS, bindGroupLayout, KERNEL_BINDINGS, KERNEL_ENTRY, pipelinesFor, shaderCode } from './pipelines.ts';
import { loadShaderSources } from './shader-source.ts';

useDawnDevice();

describe('kernel bind-group layouts', () => {
  it('every binding a kernel lists is one its WGSL uses: leaving any out fails pipeline validation', async () => {
    const d = nd.device;
    const src = await loadShaderSources();
    for (const [kernel, names] of Object.entries(KERNEL_BINDINGS) as [KernelName, readonly BindingName[]][]) {
      const { file, entry: entryPoint } = KERNEL_ENTRY[kernel];
      const module = d.createShaderModule({ code: shaderCode(src, file, 'f32') });
      for (const left of names) {
        const layout = d.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout(d, kernel, names.filter((n) => n !== left))] });
        d.pushErrorScope('validation');
        d.createComputePipeline({ layout, compute: { module, entryPoint, constants: { WG: 64, RG: 8 } } });
        const err = await d.popErrorScope();
        expect(err, `${kernel} without ${left}`).not.toBeNull();
      }
    }
  });

  it('a binding number means one buffer: no two names share one', () => {
    const numbers = Object.values(BINDINGS).map((b) => b.binding);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});

describe('bind-group cache', () => {
  it('returns the same bind group for the same buffers, a new one when a buffer changes', async () => {
    const d = nd.device;
    const cache = new BindGroupCache(d, await pipelinesFor(d));
    const dims = d.createBuffer({ size: 64, usage: GPUBufferUsage.UNIFORM });
    const [xbuf, outw, auxf, other] = ['x', 'o', 'a', 'n'].map((l) => createStorageBuffer(d, l, 64));
    const first = cache.get('probs', { dims, xbuf, outw, auxf });
    expect(cache.get('probs', { dims, xbuf, outw, auxf, logits: other })).toBe(first); // unused bindings do not count
    const grown = cache.get('probs', { dims, xbuf, outw, auxf: other });
    expect(grown).not.toBe(first);
    expect(cache.get('probs', { dims, xbuf, outw, auxf })).toBe(first);
    expect(() => cache.get('probs', { dims, xbuf, outw })).toThrow(/needs buffer "auxf"/);
  });
});
