/**
 * How the WebGPU kernels talk to the device: one call at a time (the pooled buffers are shared),
 * GPU work inside validation / out-of-memory error scopes, and every GPU failure turned into a
 * WebGpuKernelsError so the engine can fall back to the CPU kernels.
 */
import { WebGpuKernelsError } from './errors.ts';
import type { GrowBuffer } from './buffer-pool.ts';
import { rangeBytes, type WordRange } from './layout.ts';

export class DeviceCalls {
  private lost: string | undefined;
  private destroyed = false;
  private chainTail: Promise<unknown> = Promise.resolve();
  /** Set by readback: the scopes it closed right after submit (see scoped). */
  private closing: Promise<WebGpuKernelsError | undefined> | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly staging: GrowBuffer,
  ) {
    device.lost.then((i) => {
      this.lost = `${i.reason}: ${i.message || 'device lost'}`;
    });
  }

  markDestroyed(): void {
    this.destroyed = true;
  }

  private check(): void {
    if (this.destroyed) throw new WebGpuKernelsError('internal', 'kernels used after destroy()');
    if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
  }

  /** One call at a time: the pooled buffers are shared. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chainTail.then(fn, fn);
    this.chainTail = run.catch(() => undefined);
    return run;
  }

  /** Checks the kernels are usable and maps a failure to WebGpuKernelsError (argument errors pass as they are). */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WebGpuKernelsError || err instanceof RangeError || err instanceof TypeError) {
        if (this.lost !== undefined && !(err instanceof WebGpuKernelsError)) throw new WebGpuKernelsError('device-lost', this.lost);
        throw err;
      }
      if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
      throw new WebGpuKernelsError('internal', err instanceof Error ? err.message : String(err));
    }
  }

  private closeScopes(): Promise<WebGpuKernelsError | undefined> {
    const v = this.device.popErrorScope().catch(() => null);
    const o = this.device.popErrorScope().catch(() => null);
    return Promise.all([v, o]).then(([ve, oe]) => {
      if (this.lost !== undefined) return new WebGpuKernelsError('device-lost', this.lost);
      if (ve) return new WebGpuKernelsError('validation', ve.message);
      if (oe) return new WebGpuKernelsError('out-of-memory', oe.message);
      return undefined;
    });
  }

  /**
   * Runs GPU work inside validation / out-of-memory error scopes. The device may be ORT's, whose
   * own code pushes and pops scopes on the same stack, so nothing may await between our push and
   * our pop: pipelines are resolved before (Pipelines.get), encoding is synchronous, and
   * `readback` pops right after submit, before waiting for the map. A captured error (or a lost
   * device) wins over whatever secondary failure it caused (e.g. a rejected mapAsync).
   */
  async scoped<T>(fn: () => Promise<T>): Promise<T> {
    const d = this.device;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    this.closing = undefined;
    let result: T | undefined;
    let failure: unknown;
    let ok = false;
    try {
      result = await fn();
      ok = true;
    } catch (err) {
      failure = err;
    }
    const closing = this.closing ?? this.closeScopes();
    this.closing = undefined;
    const gpuError = await closing;
    if (gpuError) throw gpuError;
    if (!ok) throw failure;
    return result as T;
  }

  /**
   * Submits `encoder` after a copy of `bytes` of `src` from `offset` and returns them (inside
   * `scoped`). With `ranges` (words from `offset`, merged and in order) only those words are
   * copied; they come back at their places in a zero-filled buffer of `bytes`.
   */
  async readback(encoder: GPUCommandEncoder, src: GPUBuffer, offset: number, bytes: number, ranges?: readonly WordRange[]): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const copied = ranges ? rangeBytes(ranges) : size;
    const staging = this.staging.get(copied);
    if (ranges) {
      let at = 0;
      for (const [s, e] of ranges) {
        encoder.copyBufferToBuffer(src, offset + s * 4, staging, at, (e - s) * 4);
        at += (e - s) * 4;
      }
    } else encoder.copyBufferToBuffer(src, offset, staging, 0, size);
    this.device.queue.submit([encoder.finish()]);
    this.closing = this.closeScopes();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, copied);
    } catch (err) {
      if (this.lost !== undefined) throw new WebGpuKernelsError('device-lost', this.lost);
      throw new WebGpuKernelsError('internal', `readback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    let copy: ArrayBuffer;
    if (ranges) {
      const words = new Uint32Array(staging.getMappedRange(0, copied));
      const out = new Uint32Array(size / 4);
      let at = 0;
      for (const [s, e] of ranges) {
        out.set(words.subarray(at, at + e - s), s);
        at += e - s;
      }
      copy = out.buffer;
    } else copy = staging.getMappedRange(0, size).slice(0);
    staging.unmap();
    return copy;
  }
}
