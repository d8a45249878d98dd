/**
 * The kernels' pooled GPU buffers. Calls are serialized, so one set serves every call: grow-only
 * storage slots, the dims uniform and the staging buffer for readbacks. A slot keeps its buffer
 * until a call needs more, so the bind groups built on it stay valid until then.
 */
import { DIMS_WORDS } from './layout.ts';

export const STORAGE_USAGE = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

/** A storage buffer of at least `bytes` (rounded up to 16, the binding granularity). */
export function createStorageBuffer(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE_USAGE() });
}

/** Grow-only buffer slot. */
export class GrowBuffer {
  private buf: GPUBuffer | null = null;
  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly usage: () => number,
  ) {}
  get(bytes: number): GPUBuffer {
    const need = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (!this.buf || this.buf.size < need) {
      this.buf?.destroy();
      // Grow with headroom so a slowly growing context does not reallocate every step.
      const size = this.buf ? Math.max(need, Math.ceil((this.buf.size * 1.5) / 16) * 16) : need;
      this.buf = this.device.createBuffer({ label: this.label, size, usage: this.usage() });
    }
    return this.buf;
  }
  destroy(): void {
    this.buf?.destroy();
    this.buf = null;
  }
}

export class BufferPool {
  readonly dims: GPUBuffer;
  /** Per-row processor params (RowParams). */
  readonly params: GrowBuffer;
  /** u32 words: verify prefix (draft tokens, tree layout, uniforms) then context ids. */
  readonly aux: GrowBuffer;
  /** Processed logits, rows x vocab. */
  readonly xbuf: GrowBuffer;
  /** Candidate lists, sized like xbuf. */
  readonly clist: GrowBuffer;
  /** Output blocks (the readback source). */
  readonly outw: GrowBuffer;
  /** CPU logits uploaded for a call. */
  readonly upload: GrowBuffer;
  /** Dense probabilities nobody keeps (verify work space, or a placeholder). */
  readonly scratch: GrowBuffer;
  /** Draft distributions packed [rows, vocab] for the verify kernels. */
  readonly draftQ: GrowBuffer;
  readonly staging: GrowBuffer;

  constructor(device: GPUDevice) {
    this.dims = device.createBuffer({ label: 'dims', size: DIMS_WORDS * 4, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const storage = (label: string) => new GrowBuffer(device, label, STORAGE_USAGE);
    this.params = storage('row-params');
    this.aux = storage('aux');
    this.xbuf = storage('processed-logits');
    this.clist = storage('candidate-lists');
    this.outw = storage('row-out');
    this.upload = storage('upload-logits');
    this.scratch = storage('scratch-probs');
    this.draftQ = storage('draft-q');
    this.staging = new GrowBuffer(device, 'readback', () => GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  }

  destroy(): void {
    for (const slot of [this.params, this.aux, this.xbuf, this.clist, this.outw, this.upload, this.scratch, this.draftQ, this.staging]) slot.destroy();
    this.dims.destroy();
  }
}
