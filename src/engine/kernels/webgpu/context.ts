/**
 * What the WebGPU operations (step.ts, verify-chain.ts, verify-tree.ts) share: the device, its
 * pipelines, the pooled buffers and cached bind groups, the handles a call creates or receives,
 * uploads of packed words, and the readback of result words.
 */
import { halfToFloat } from '../f16.ts';
import { checkGatherRows, gatherRowData } from '../gather.ts';
import type { GpuLogits, Logits, ProbsHandle, ProbsRef, RowRequest } from '../types.ts';
import { BindGroupCache, type KernelBuffers } from './bind-groups.ts';
import { BufferPool, createStorageBuffer } from './buffer-pool.ts';
import { DeviceCalls } from './device-calls.ts';
import type { Dims, RowPlan } from './params.ts';
import { packDims, packRows } from './params.ts';
import type { KernelName, Pipelines, Variant } from './pipelines.ts';
import { pipelineVariant } from './pipelines.ts';
import type { OutWords } from './readback.ts';
import { mergeRanges, rangeBytes, type WordRange } from './layout.ts';

/** A processed distribution kept on the GPU: rows x vocab f32 probabilities. */
export class GpuProbs implements ProbsHandle {
  readonly kind = 'probs' as const;
  readonly backend = 'webgpu' as const;
  constructor(
    readonly owner: GpuContext,
    public buffer: GPUBuffer | null,
    readonly rows: number,
    readonly vocab: number,
  ) {}
}

/** Logits as the kernels bind them: a buffer, its element type and the element offset of row 0. */
export interface BoundLogits {
  buffer: GPUBuffer;
  variant: Variant;
  offset: number;
}

export function logitsVariant(l: Logits): Variant {
  return l.kind === 'gpu' && l.dtype === 'float16' ? 'f16' : 'f32';
}

export class GpuContext {
  /** Bytes copied device -> host by step / verify calls since creation (the trace's counter). */
  bytesReadBackTotal = 0;
  /** Bytes copied by readProbs (debug / golden path), kept apart from the per-token figure. */
  bytesReadBackDebug = 0;
  readonly pool: BufferPool;
  readonly bindGroups: BindGroupCache;
  readonly calls: DeviceCalls;
  private readonly ownedLogits = new WeakSet<GPUBuffer>();
  private readonly live = new Set<GPUBuffer>();

  constructor(
    readonly device: GPUDevice,
    readonly pipes: Pipelines,
  ) {
    this.pool = new BufferPool(device);
    this.bindGroups = new BindGroupCache(device, pipes);
    this.calls = new DeviceCalls(device, this.pool.staging);
  }

  /** Runs one operation: serialized, its pipelines compiled first, its GPU work in error scopes. */
  run<T>(kernels: KernelName[], logits: Variant, fn: () => Promise<T>): Promise<T> {
    return this.calls.serial(() =>
      this.calls.guard(async () => {
        await Promise.all(kernels.map((k) => this.pipes.get(k, pipelineVariant(k, logits))));
        return this.calls.scoped(fn);
      }),
    );
  }

  async createLogits(data: Float32Array | Float64Array, rows: number, vocab: number): Promise<Logits> {
    if (!Number.isInteger(rows) || !Number.isInteger(vocab) || rows < 1 || vocab < 1 || data.length !== rows * vocab) {
      throw new RangeError(`logits: data length ${data.length} does not match ${rows} x ${vocab}`);
    }
    return this.calls.guard(() =>
      this.calls.scoped(async () => {
        const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
        const buffer = createStorageBuffer(this.device, 'logits', rows * vocab * 4);
        this.device.queue.writeBuffer(buffer, 0, f32.buffer, f32.byteOffset, rows * vocab * 4);
        this.ownedLogits.add(buffer);
        this.live.add(buffer);
        const l: GpuLogits = { kind: 'gpu', rows, vocab, buffer, dtype: 'float32' };
        return l;
      }),
    );
  }

  /**
   * Rows of `l` gathered into new logits these kernels own. GPU rows are copied buffer to buffer
   * (runs of consecutive rows in one copy); float16 rows whose byte size or offset is not a
   * multiple of 4 (odd vocabulary) cannot be, and come through the host, counted.
   */
  async gatherRows(l: Logits, rows: readonly number[]): Promise<{ logits: Logits; bytesReadBack: number }> {
    const V = l.vocab;
    if (l.kind === 'cpu') return { logits: await this.createLogits(gatherRowData(l.data, V, rows, l.rows), rows.length, V), bytesReadBack: 0 };
    checkGatherRows(rows, l.rows);
    const src = this.bindLogits(l).buffer;
    if ((src.usage & GPUBufferUsage.COPY_SRC) === 0) throw new TypeError('gatherRows: the GPU logits buffer lacks COPY_SRC usage');
    const elem = l.dtype === 'float16' ? 2 : 4;
    const rowBytes = V * elem;
    const base = l.byteOffset ?? 0;
    if (rowBytes % 4 !== 0 || base % 4 !== 0) return this.gatherThroughHost(l, rows);
    return this.calls.guard(() =>
      this.calls.scoped(async () => {
        const buffer = createStorageBuffer(this.device, 'gathered-logits', rows.length * rowBytes);
        this.ownedLogits.add(buffer);
        this.live.add(buffer);
        const enc = this.device.createCommandEncoder({ label: 'gather-rows' });
        for (let i = 0; i < rows.length; ) {
          let n = 1;
          while (i + n < rows.length && rows[i + n] === rows[i] + n) n++;
          enc.copyBufferToBuffer(src, base + rows[i] * rowBytes, buffer, i * rowBytes, n * rowBytes);
          i += n;
        }
        this.device.queue.submit([enc.finish()]);
        const out: GpuLogits = { kind: 'gpu', rows: rows.length, vocab: V, buffer, dtype: l.dtype };
        return { logits: out, bytesReadBack: 0 };
      }),
    );
  }

  /**
   * gatherRows for rows no copy can move: the span of source rows they cover read back in one
   * copy (aligned to 4 bytes), widened to f32, gathered and uploaded.
   */
  private async gatherThroughHost(l: GpuLogits, rows: readonly number[]): Promise<{ logits: Logits; bytesReadBack: number }> {
    const V = l.vocab;
    const lo = Math.min(...rows);
    const hi = Math.max(...rows) + 1;
    const start = (l.byteOffset ?? 0) + lo * V * 2;
    const from = start - (start % 4);
    const size = Math.ceil((start + (hi - lo) * V * 2 - from) / 4) * 4;
    const raw = await this.calls.guard(() => this.calls.scoped(() => this.calls.readback(this.device.createCommandEncoder({ label: 'gather-rows-host' }), l.buffer, from, size)));
    const halves = new Uint16Array(raw, start - from, (hi - lo) * V);
    const span = Float32Array.from(halves, halfToFloat);
    this.bytesReadBackTotal += size;
    const data = gatherRowData(span, V, rows.map((r) => r - lo), hi - lo);
    return { logits: await this.createLogits(data, rows.length, V), bytesReadBack: size };
  }

  /** GPU logits as they are; CPU logits uploaded to the pool. */
  bindLogits(l: Logits): BoundLogits {
    if (l.kind === 'gpu') {
      if (this.ownedLogits.has(l.buffer) && !this.live.has(l.buffer)) throw new TypeError('logits used after dispose()');
      if ((l.buffer.usage & GPUBufferUsage.STORAGE) === 0) throw new TypeError('GPU logits buffer lacks STORAGE usage');
      const elem = l.dtype === 'float16' ? 2 : 4;
      const off = l.byteOffset ?? 0;
      if (off % elem !== 0) throw new RangeError(`logits byteOffset ${off} is not a multiple of ${elem}`);
      return { buffer: l.buffer, variant: logitsVariant(l), offset: off / elem };
    }
    if (l.data.length < l.rows * l.vocab) throw new RangeError(`logits data shorter than rows*vocab (${l.rows}x${l.vocab})`);
    const buf = this.pool.upload.get(l.rows * l.vocab * 4);
    const f32 = l.data instanceof Float32Array ? l.data : Float32Array.from(l.data);
    this.device.queue.writeBuffer(buf, 0, f32.buffer, f32.byteOffset, l.rows * l.vocab * 4);
    return { buffer: buf, variant: 'f32', offset: 0 };
  }

  /** One row of a distribution these kernels kept. */
  probsRow(ref: ProbsRef): { buffer: GPUBuffer; row: number; vocab: number } {
    const h = ref.probs;
    if (!(h instanceof GpuProbs) || h.owner !== this) throw new TypeError('ProbsHandle does not belong to these WebGPU kernels');
    if (!h.buffer) throw new Error('ProbsHandle used after dispose()');
    if (!Number.isInteger(ref.row) || ref.row < 0 || ref.row >= h.rows) throw new RangeError(`ProbsHandle row ${ref.row} out of range (rows = ${h.rows})`);
    return { buffer: h.buffer, row: ref.row, vocab: h.vocab };
  }

  /** A distribution handle the caller will own (freed by dispose). */
  newProbs(label: string, rows: number, vocab: number): GpuProbs {
    const buf = createStorageBuffer(this.device, label, rows * vocab * 4);
    this.live.add(buf);
    return new GpuProbs(this, buf, rows, vocab);
  }

  /**
   * Uploads the call's words: row params, aux (= `auxPrefix` + context ids) and dims. Returns the
   * bindings every kernel of the call shares (xbuf and clist sized for `dims.rows` rows).
   */
  upload(plans: RowPlan[], rows: RowRequest[], auxPrefix: Uint32Array, dims: Dims, logits: BoundLogits, outWords: number): KernelBuffers {
    const packed = packRows(plans, rows, dims.vocab, auxPrefix);
    const params = this.pool.params.get(packed.params.byteLength);
    this.device.queue.writeBuffer(params, 0, packed.params);
    const aux = this.pool.aux.get(packed.aux.byteLength);
    this.device.queue.writeBuffer(aux, 0, packed.aux);
    this.device.queue.writeBuffer(this.pool.dims, 0, packDims(dims));
    const xbuf = this.pool.xbuf.get(dims.rows * dims.vocab * 4);
    return { logits: logits.buffer, dims: this.pool.dims, params, aux, xbuf, outw: this.pool.outw.get(outWords * 4), clist: this.pool.clist.get(xbuf.size) };
  }

  /** Dispatches `kernels` in order, one workgroup per row each, on `buffers`. */
  dispatchRows(pass: GPUComputePassEncoder, kernels: KernelName[], logits: Variant, rows: number, buffers: KernelBuffers): void {
    for (const k of kernels) this.dispatch(pass, k, logits, rows, buffers);
  }

  dispatch(pass: GPUComputePassEncoder, kernel: KernelName, logits: Variant, workgroups: number, buffers: KernelBuffers): void {
    pass.setPipeline(this.pipes.sync(kernel, pipelineVariant(kernel, logits)));
    pass.setBindGroup(0, this.bindGroups.get(kernel, buffers));
    pass.dispatchWorkgroups(workgroups);
  }

  /**
   * Submits `encoder`, reads `bytes` of outw from `offset` back as u32 and f32 views, only the
   * words of `ranges` (relative to `offset`) when given; `copied` is what crossed to the host
   * (counted in the readback total). Frees `owned` (a handle the call was about to return) if that
   * fails.
   */
  async readResults(
    encoder: GPUCommandEncoder,
    outw: GPUBuffer,
    bytes: number,
    owned: GpuProbs | undefined,
    offset = 0,
    ranges?: readonly WordRange[],
  ): Promise<OutWords & { copied: number }> {
    const merged = ranges && mergeRanges(ranges);
    let data: ArrayBuffer;
    try {
      data = await this.calls.readback(encoder, outw, offset, bytes, merged);
    } catch (err) {
      if (owned) this.dispose(owned);
      throw err;
    }
    const copied = merged ? rangeBytes(merged) : bytes;
    this.bytesReadBackTotal += copied;
    return { w: new Uint32Array(data), f: new Float32Array(data), copied };
  }

  readProbs(ref: ProbsRef): Promise<Float64Array> {
    return this.calls.serial(() =>
      this.calls.guard(async () => {
        const { buffer, row, vocab } = this.probsRow(ref);
        return this.calls.scoped(async () => {
          const enc = this.device.createCommandEncoder({ label: 'read-probs' });
          const data = await this.calls.readback(enc, buffer, row * vocab * 4, vocab * 4);
          this.bytesReadBackDebug += vocab * 4;
          return Float64Array.from(new Float32Array(data, 0, vocab));
        });
      }),
    );
  }

  dispose(handle: Logits | ProbsHandle): void {
    if (handle instanceof GpuProbs) {
      if (handle.buffer) {
        this.live.delete(handle.buffer);
        handle.buffer.destroy();
        handle.buffer = null;
      }
      return;
    }
    if (handle.kind === 'gpu' && this.ownedLogits.has(handle.buffer) && this.live.has(handle.buffer)) {
      this.live.delete(handle.buffer);
      handle.buffer.destroy();
    }
    // CPU logits and buffers owned by others (ORT) are not ours to free.
  }

  destroy(): void {
    this.calls.markDestroyed();
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.bindGroups.clear();
    this.pool.destroy();
  }
}
