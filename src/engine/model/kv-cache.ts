/**
 * The KV cache of one ModelRunner state: `past_key_values.N.key/value` tensors laid out
 * [batch, heads, length, head_dim], float32 or float16 (q4f16 / fp16 exports keep fp16 caches). The runner feeds them to the ORT session and swaps in each
 * step's `present.*` outputs; this module owns their lifetime (disposing what it replaces, so a
 * long run does not grow GPU memory) and the edits strategies need: truncate to a length
 * (rejected drafts, lookahead rollback), gather rows (beam reorder, forking trials) and keep
 * chosen positions (the accepted path of a draft tree verified in one masked pass).
 */
import type { KvDType, OrtTensor, OrtTensorClass } from './ort-types.ts';

/** A run of consecutive source positions [from, from + length) copied to the next free positions. */
interface Run {
  from: number;
  length: number;
}

export class KvCache {
  private tensors = new Map<string, OrtTensor>();
  /** Buffers the app created (truncate/gather on the GPU): ORT does not own them, we destroy them. */
  private ownedBuffers = new Map<string, GPUBuffer>();

  constructor(
    private readonly names: string[],
    private readonly heads: number,
    private readonly headDim: number,
    private readonly TensorClass: OrtTensorClass,
    private readonly device: () => GPUDevice | undefined,
    public batch = 1,
    public length = 0,
    private readonly dtype: KvDType = 'float32',
  ) {}

  private get elemBytes(): number {
    return this.dtype === 'float16' ? 2 : 4;
  }

  private newArray(n: number): Float32Array | Uint16Array {
    return this.dtype === 'float16' ? new Uint16Array(n) : new Float32Array(n);
  }

  /** Feeds for the next forward; a zero-length past is a CPU tensor (ORT accepts it on every EP). */
  feeds(): Record<string, OrtTensor> {
    const out: Record<string, OrtTensor> = {};
    for (const name of this.names) {
      out[name] =
        this.tensors.get(name) ??
        new this.TensorClass(this.dtype, this.newArray(0), [this.batch, this.heads, 0, this.headDim]);
    }
    return out;
  }

  /** Takes ownership of a forward's `present.*` outputs as the new past. */
  update(outputs: Record<string, OrtTensor>, batch: number, length: number): void {
    for (const name of this.names) {
      const next = outputs[name.replace('past_key_values', 'present')];
      if (!next) throw new Error(`model output ${name.replace('past_key_values', 'present')} is missing`);
      this.replace(name, next);
    }
    this.batch = batch;
    this.length = length;
  }

  /** Keeps the first `keep` positions of every row. */
  truncate(keep: number): void {
    if (keep === this.length) return;
    if (keep < 0 || keep > this.length) throw new RangeError(`cannot truncate a cache of length ${this.length} to ${keep}`);
    this.remap(this.batch, [{ from: 0, length: keep }], (b) => b);
  }

  /** Keeps only the given positions of every row, in the order given (a gather along the sequence axis). */
  keepPositions(positions: number[]): void {
    const runs: Run[] = [];
    for (const p of positions) {
      if (!Number.isInteger(p) || p < 0 || p >= this.length) throw new RangeError(`position ${p} out of range 0..${this.length - 1}`);
      const last = runs[runs.length - 1];
      if (last && last.from + last.length === p) last.length++;
      else runs.push({ from: p, length: 1 });
    }
    if (runs.length === 1 && runs[0].from === 0 && runs[0].length === this.length) return;
    this.remap(this.batch, runs, (b) => b);
  }

  /** New batch made of the given rows of the current one (rows may repeat). */
  gatherRows(rows: number[]): void {
    for (const r of rows) if (r < 0 || r >= this.batch) throw new RangeError(`row ${r} out of range 0..${this.batch - 1}`);
    this.remap(rows.length, [{ from: 0, length: this.length }], (b) => rows[b]);
  }

  /** Releases every tensor and buffer. The cache is empty afterwards. */
  dispose(): void {
    for (const name of [...this.tensors.keys()]) this.release(name);
    this.length = 0;
  }

  /** Bytes held on the GPU by this cache (for the memory-growth measurement). */
  gpuBytes(): number {
    let n = 0;
    for (const t of this.tensors.values()) if (t.location === 'gpu-buffer') n += t.dims.reduce((a, b) => a * b, 1) * this.elemBytes;
    return n;
  }

  /** New tensors of `batch` rows (row b copied from srcRow(b)) holding the source positions of `runs`, in order. */
  private remap(batch: number, runs: Run[], srcRow: (b: number) => number): void {
    const keep = runs.reduce((n, r) => n + r.length, 0);
    if (this.tensors.size === 0) {
      this.batch = batch;
      this.length = keep;
      return;
    }
    const D = this.headDim;
    const H = this.heads;
    const S = this.length;
    const E = this.elemBytes;
    for (const name of this.names) {
      const t = this.tensors.get(name)!;
      if (t.location === 'gpu-buffer') {
        const device = this.device();
        if (!device) throw new Error('GPU KV tensor without a WebGPU device');
        const size = Math.max(16, Math.ceil((batch * H * keep * D * E) / 4) * 4);
        const buf = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
        const enc = device.createCommandEncoder();
        // copyBufferToBuffer needs 4-byte multiples: an odd fp16 head_dim would need a shader.
        if ((D * E) % 4) throw new Error(`fp16 KV rollback on the GPU needs an even head_dim (got ${D})`);
        for (let b = 0; b < batch; b++) {
          for (let h = 0; h < H; h++) {
            let to = (b * H + h) * keep * D * E;
            for (const r of runs) {
              if (r.length > 0) enc.copyBufferToBuffer(t.gpuBuffer!, ((srcRow(b) * H + h) * S + r.from) * D * E, buf, to, r.length * D * E);
              to += r.length * D * E;
            }
          }
        }
        device.queue.submit([enc.finish()]);
        const nt = this.TensorClass.fromGpuBuffer(buf, { dataType: this.dtype, dims: [batch, H, keep, D] });
        this.replace(name, nt, buf);
      } else {
        const src = t.data as Float32Array | Uint16Array;
        const out = this.newArray(batch * H * keep * D);
        for (let b = 0; b < batch; b++) {
          for (let h = 0; h < H; h++) {
            let to = (b * H + h) * keep * D;
            for (const r of runs) {
              const from = ((srcRow(b) * H + h) * S + r.from) * D;
              out.set(src.subarray(from, from + r.length * D), to);
              to += r.length * D;
            }
          }
        }
        this.replace(name, new this.TensorClass(this.dtype, out, [batch, H, keep, D]));
      }
    }
    this.batch = batch;
    this.length = keep;
  }

  private replace(name: string, next: OrtTensor, owned?: GPUBuffer): void {
    if (this.tensors.get(name) !== next) this.release(name);
    this.tensors.set(name, next);
    if (owned) this.ownedBuffers.set(name, owned);
  }

  private release(name: string): void {
    const old = this.tensors.get(name);
    const owned = this.ownedBuffers.get(name);
    if (owned) {
      // fromGpuBuffer tensors do not own their buffer: destroy it ourselves, never dispose().
      owned.destroy();
      this.ownedBuffers.delete(name);
    } else if (old && old.location === 'gpu-buffer') {
      old.dispose();
    }
    this.tensors.delete(name);
  }
}
