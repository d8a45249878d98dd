/**
 * A GGUF (version 3) writer: the single-file model format of ggml / llama.cpp. Layout, all
 * little-endian:
 *
 *   header       "GGUF", u32 version, u64 tensor count, u64 metadata count
 *   metadata     per entry: string key, u32 value type, value (arrays: u32 item type, u64 count, items)
 *   tensor infos per tensor: string name, u32 n_dims, u64 dims[n_dims] (innermost first), u32 ggml
 *                type, u64 offset of its data from the start of the data section
 *   padding      to `general.alignment` (32 unless the metadata says otherwise)
 *   data         each tensor's bytes, every one starting at a multiple of the alignment
 *
 * Strings are a u64 byte length followed by UTF-8 bytes (no terminator). Only what a float model
 * needs is here: scalar and array metadata, F32 and F16 tensors.
 */
import { toHalf } from '../fixtures/weights.ts';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_type). */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Tensor element types (ggml_type) this writer produces, and their sizes in bytes. */
export const GgmlType = { F32: 0, F16: 1 } as const;
export type TensorType = keyof typeof GgmlType;
const ELEMENT_BYTES: Record<TensorType, number> = { F32: 4, F16: 2 };

type ScalarType = 'u32' | 'i32' | 'f32' | 'bool' | 'string';
const SCALAR_CODE: Record<ScalarType, number> = { u32: GgufType.UINT32, i32: GgufType.INT32, f32: GgufType.FLOAT32, bool: GgufType.BOOL, string: GgufType.STRING };

type MetaEntry = { key: string; type: ScalarType; value: number | boolean | string } | { key: string; type: 'array'; items: ScalarType; values: (number | boolean | string)[] };

interface TensorEntry {
  name: string;
  /** Row-major shape, outermost first (numpy / PyTorch order); written reversed (ggml's ne order). */
  shape: number[];
  type: TensorType;
  bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/** Collects metadata and tensors, then lays the file out in one buffer. */
export class GgufWriter {
  private readonly meta: MetaEntry[] = [];
  private readonly tensors: TensorEntry[] = [];
  private readonly keys = new Set<string>();

  constructor(readonly alignment = GGUF_DEFAULT_ALIGNMENT) {
    if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.scalar('general.alignment', 'u32', alignment);
  }

  scalar(key: string, type: ScalarType, value: number | boolean | string): this {
    this.claim(key);
    this.meta.push({ key, type, value });
    return this;
  }

  array(key: string, items: ScalarType, values: (number | boolean | string)[]): this {
    this.claim(key);
    this.meta.push({ key, type: 'array', items, values });
    return this;
  }

  /** Adds a float tensor; `shape` is row-major, outermost first (a linear weight is [out, in]). */
  tensor(name: string, shape: number[], values: Float32Array, type: TensorType = 'F32'): this {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new Error(`tensor ${name}: shape [${shape.join(', ')}] holds ${count} values, got ${values.length}`);
    if (this.tensors.some((t) => t.name === name)) throw new Error(`tensor ${name} added twice`);
    const data = type === 'F32' ? values : toHalf(values);
    this.tensors.push({ name, shape, type, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return this;
  }

  private claim(key: string): void {
    if (this.keys.has(key)) throw new Error(`metadata key ${key} set twice`);
    this.keys.add(key);
  }

  encode(): Uint8Array {
    const head = new ByteSink();
    head.raw(utf8.encode(GGUF_MAGIC));
    head.u32(GGUF_VERSION);
    head.u64(this.tensors.length);
    head.u64(this.meta.length);
    for (const m of this.meta) {
      head.string(m.key);
      if (m.type === 'array') {
        head.u32(GgufType.ARRAY);
        head.u32(SCALAR_CODE[m.items]);
        head.u64(m.values.length);
        for (const v of m.values) head.value(m.items, v);
      } else {
        head.u32(SCALAR_CODE[m.type]);
        head.value(m.type, m.value);
      }
    }
    let offset = 0;
    const offsets: number[] = [];
    for (const t of this.tensors) {
      offset = alignUp(offset, this.alignment);
      offsets.push(offset);
      head.string(t.name);
      head.u32(t.shape.length);
      for (const d of [...t.shape].reverse()) head.u64(d);
      head.u32(GgmlType[t.type]);
      head.u64(offset);
      offset += t.bytes.length;
    }
    const dataStart = alignUp(head.length, this.alignment);
    const out = new Uint8Array(dataStart + offset);
    out.set(head.bytes(), 0);
    this.tensors.forEach((t, i) => out.set(t.bytes, dataStart + offsets[i]));
    return out;
  }
}

export const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export const tensorBytes = (shape: number[], type: TensorType): number => shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[type];

/** A growing little-endian byte buffer for the header part. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }

  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }

  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }

  string(s: string): void {
    const b = utf8.encode(s);
    this.u64(b.length);
    this.raw(b);
  }

  value(type: ScalarType, v: number | boolean | string): void {
    if (type === 'string') this.string(String(v));
    else if (type === 'bool') this.raw(Uint8Array.of(v ? 1 : 0));
    else if (type === 'u32') this.u32(Number(v));
    else if (type === 'i32') this.i32(Number(v));
    else this.f32(Number(v));
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
