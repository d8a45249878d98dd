/**
 * `gatherRows` on both backends: the gathered rows are the source rows (repeats and runs
 * included), on the GPU copied buffer to buffer with nothing read back, except float16 rows of an
 * odd vocabulary, which pass through the host (one copy of the rows' span) and are counted; bad
 * row lists are RangeErrors.
 */
import { describe, expect, it } from 'vitest';
import { cpu, gpu, nd, useDawnKernels } from '../../../tests/support/dawn.ts';
import { expectStatsClose } from '../../../tests/support/kernel-compare.ts';
import { packF16, randomLogits } from '../../../tests/support/kernels.ts';
import type { CpuLogits, GpuLogits, Kernels, Logits } from './types.ts';

useDawnKernels();

const ROWS = [2, 0, 0, 1, 2, 3];
const SPEC = { config: { temperature: 0.7, top_k: 20 }, choose: 'sample' as const, seed: 5, step: 3 };

function source(V: number, rows = 4): Float32Array<ArrayBuffer> {
  const data = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) data.set(randomLogits(V, 40 + r), r * V);
  return data;
}

function gpuBuffer(words: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>, padBytes = 0): GPUBuffer {
  const buffer = nd.device.createBuffer({ size: padBytes + words.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
  nd.device.queue.writeBuffer(buffer, padBytes, words);
  return buffer;
}

/** Steps every gathered row on `k` and on the CPU over the expected rows of `expected`: same tokens, same statistics. */
async function expectRows(k: Kernels, gathered: Logits, expected: Float32Array, V: number, what: string) {
  const rows = ROWS.map(() => SPEC);
  const g = await k.step(gathered, { rows });
  const want = new Float32Array(ROWS.length * V);
  ROWS.forEach((r, i) => want.set(expected.subarray(r * V, (r + 1) * V), i * V));
  const c = await cpu.step(await cpu.createLogits(want, ROWS.length, V), { rows });
  g.rows.forEach((row, i) => {
    expect(row.choice!.token, `${what} row ${i}`).toBe(c.rows[i].choice!.token);
    expectStatsClose(row, c.rows[i], `${what} row ${i}`);
  });
}

describe('gatherRows', () => {
  it('CPU: a copy of the rows, in the source precision', async () => {
    const V = 300;
    const data = source(V);
    const out = await cpu.gatherRows(await cpu.createLogits(data, 4, V), ROWS);
    expect(out.bytesReadBack).toBe(0);
    const got = out.logits as CpuLogits;
    expect(got.kind).toBe('cpu');
    expect(got.rows).toBe(ROWS.length);
    ROWS.forEach((r, i) => expect(Array.from(got.data.subarray(i * V, (i + 1) * V))).toEqual(Array.from(data.subarray(r * V, (r + 1) * V))));
    const f64 = await cpu.gatherRows(await cpu.createLogits(Float64Array.from(data), 4, V), [1]);
    expect((f64.logits as CpuLogits).data).toBeInstanceOf(Float64Array);
  });

  it('WebGPU, f32 rows at a byte offset: copied on the GPU, nothing read back', async () => {
    const V = 1001;
    const data = source(V);
    const buffer = gpuBuffer(data, 64 * 4);
    const before = gpu.bytesReadBackTotal;
    const out = await gpu.gatherRows({ kind: 'gpu', rows: 4, vocab: V, buffer, dtype: 'float32', byteOffset: 64 * 4 }, ROWS);
    expect(out.bytesReadBack).toBe(0);
    expect(gpu.bytesReadBackTotal).toBe(before);
    await expectRows(gpu, out.logits, data, V, 'f32');
    gpu.dispose(out.logits);
    buffer.destroy();
  });

  it('WebGPU, CPU logits: gathered on the host and uploaded', async () => {
    const V = 257;
    const data = source(V);
    const out = await gpu.gatherRows(await cpu.createLogits(data, 4, V), ROWS);
    expect(out.logits.kind).toBe('gpu');
    expect(out.bytesReadBack).toBe(0);
    await expectRows(gpu, out.logits, data, V, 'cpu source');
    gpu.dispose(out.logits);
  });

  it('WebGPU, f16 rows: copied when a row is a multiple of 4 bytes, through the host (counted) when not', async () => {
    for (const V of [1000, 1001]) {
      const { packed, rounded } = packF16(source(V));
      const buffer = gpuBuffer(packed);
      const logits: GpuLogits = { kind: 'gpu', rows: 4, vocab: V, buffer, dtype: 'float16' };
      const before = gpu.bytesReadBackTotal;
      const out = await gpu.gatherRows(logits, ROWS);
      if (V % 2 === 0) expect(out.bytesReadBack).toBe(0);
      else expect(out.bytesReadBack).toBe(Math.ceil((4 * V * 2) / 4) * 4); // one copy of the 4 source rows' span
      expect(gpu.bytesReadBackTotal - before).toBe(out.bytesReadBack);
      await expectRows(gpu, out.logits, rounded, V, `f16 V=${V}`);
      gpu.dispose(out.logits);
      buffer.destroy();
    }
  });

  it('bad row lists are RangeErrors on both backends; a buffer without COPY_SRC is a TypeError', async () => {
    const V = 10;
    for (const k of [cpu, gpu]) {
      const l = await k.createLogits(new Float32Array(2 * V), 2, V);
      for (const rows of [[], [-1], [2], [0.5]]) await expect(k.gatherRows(l, rows)).rejects.toThrow(RangeError);
      k.dispose(l);
    }
    const buffer = nd.device.createBuffer({ size: 2 * V * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    await expect(gpu.gatherRows({ kind: 'gpu', rows: 2, vocab: V, buffer, dtype: 'float32' }, [1])).rejects.toThrow(/COPY_SRC/);
    buffer.destroy();
    const disposed = await gpu.createLogits(new Float32Array(V), 1, V);
    gpu.dispose(disposed);
    await expect(gpu.gatherRows(disposed, [0])).rejects.toThrow(/after dispose/);
  });
});
