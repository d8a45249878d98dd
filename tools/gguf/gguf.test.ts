/**
 * The GGUF writer and the llama export, read back with a small independent reader: header, the
 * metadata llama.cpp needs, tensor names / shapes / types, offsets and alignment, the weights
 * themselves against the ONNX file, and the q/k row reordering against the two rotary layouts.
 * No network and no llama.cpp: the llamacpp bench suite is where llama.cpp itself loads the file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../fixtures/weights.ts';
import { llamaGguf, toAdjacentRotaryPairs } from './llama.ts';
import { GgufWriter } from './writer.ts';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const MODEL_DIR = resolve(REPO, 'public/models/playground/brown-target-v1');

type Value = number | bigint | boolean | string | Value[];

interface TensorInfo {
  name: string;
  /** ggml order: innermost first. */
  dims: number[];
  type: number;
  offset: number;
}

interface Parsed {
  version: number;
  meta: Map<string, { type: number; value: Value }>;
  tensors: TensorInfo[];
  dataStart: number;
  bytes: Uint8Array;
}

/** A reader written from the format description, independent of the writer. */
function parseGguf(bytes: Uint8Array): Parsed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const u64 = () => ((at += 8), Number(view.getBigUint64(at - 8, true)));
  const str = () => {
    const n = u64();
    at += n;
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(at - n, at));
  };
  const value = (type: number): Value => {
    switch (type) {
      case 0: return view.getUint8(at++);
      case 1: return view.getInt8(at++);
      case 2: return ((at += 2), view.getUint16(at - 2, true));
      case 3: return ((at += 2), view.getInt16(at - 2, true));
      case 4: return u32();
      case 5: return ((at += 4), view.getInt32(at - 4, true));
      case 6: return ((at += 4), view.getFloat32(at - 4, true));
      case 7: {
        const b = view.getUint8(at++);
        if (b > 1) throw new Error(`bool byte ${b}`);
        return b === 1;
      }
      case 8: return str();
      case 9: {
        const itemType = u32();
        const n = u64();
        return Array.from({ length: n }, () => value(itemType));
      }
      case 10: return ((at += 8), view.getBigUint64(at - 8, true));
      case 11: return ((at += 8), view.getBigInt64(at - 8, true));
      case 12: return ((at += 8), view.getFloat64(at - 8, true));
      default: throw new Error(`unknown value type ${type} at byte ${at}`);
    }
  };
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== 'GGUF') throw new Error(`magic ${magic}`);
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const meta = new Map<string, { type: number; value: Value }>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    meta.set(key, { type, value: value(type) });
  }
  const tensors: TensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const nd = u32();
    const dims = Array.from({ length: nd }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = Number(meta.get('general.alignment')?.value ?? 32);
  const dataStart = Math.ceil(at / alignment) * alignment;
  return { version, meta, tensors, dataStart, bytes };
}

function f32Of(p: Parsed, name: string): Float32Array {
  const t = p.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const start = p.dataStart + t.offset;
  return new Float32Array(p.bytes.slice(start, start + n * 4).buffer);
}

/** -1 when both hold the same values (a plain loop: toEqual on a million floats takes seconds). */
function firstMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function onnxInitializers(): Map<string, { dims: number[]; values: Float32Array }> {
  const { onnx } = onnxProto;
  const g = onnx.ModelProto.decode(readFileSync(resolve(MODEL_DIR, 'onnx/model.onnx'))).graph!;
  const byInit = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const t of g.initializer!) {
    // Copy (Uint8Array.from): Node's Buffer.slice is a view into a shared pool, not a copy.
    if (t.dataType === onnx.TensorProto.DataType.FLOAT) byInit.set(t.name!, { dims: t.dims!.map(Number), values: new Float32Array(Uint8Array.from(t.rawData!).buffer) });
  }
  // Key the linear weights by the projection that uses them (/m/layers.0/self_attn/q_proj/MatMul -> 0/self_attn/q_proj).
  for (const n of g.node!) {
    const m = /^\/m\/layers\.(\d+)\/(.+)\/MatMul$/.exec(n.name ?? '');
    if (m && byInit.has(n.input![1])) byInit.set(`${m[1]}/${m[2]}`, byInit.get(n.input![1])!);
  }
  return byInit;
}

describe('GGUF export of the embedded target', () => {
  const config = JSON.parse(readFileSync(resolve(MODEL_DIR, 'config.json'), 'utf8')) as Record<string, number>;
  const file = llamaGguf(MODEL_DIR);
  const p = parseGguf(file);
  const meta = (k: string) => {
    const e = p.meta.get(k);
    if (!e) throw new Error(`metadata ${k} missing`);
    return e;
  };

  it('has a version 3 header and the llama hyperparameters llama.cpp reads, with their types', () => {
    expect(p.version).toBe(3);
    expect(meta('general.architecture')).toEqual({ type: 8, value: 'llama' });
    const u32 = { 'llama.context_length': 512, 'llama.embedding_length': 256, 'llama.block_count': 4, 'llama.feed_forward_length': 768, 'llama.attention.head_count': 4, 'llama.attention.head_count_kv': 4, 'llama.rope.dimension_count': 64, 'llama.vocab_size': 4096, 'tokenizer.ggml.bos_token_id': 0, 'tokenizer.ggml.eos_token_id': 0 };
    for (const [k, v] of Object.entries(u32)) expect(meta(k), k).toEqual({ type: 4, value: v });
    expect(meta('llama.rope.freq_base')).toEqual({ type: 6, value: config.rope_theta });
    expect(meta('llama.attention.layer_norm_rms_epsilon').type).toBe(6);
    expect(meta('llama.attention.layer_norm_rms_epsilon').value).toBeCloseTo(1e-5, 10);
    expect(meta('tokenizer.ggml.add_bos_token')).toEqual({ type: 7, value: false });
  });

  it('carries the 4096 token strings, their types and the merges of tokenizer.json', () => {
    const tok = JSON.parse(readFileSync(resolve(MODEL_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: string[] } };
    expect(meta('tokenizer.ggml.model').value).toBe('gpt2');
    const tokens = meta('tokenizer.ggml.tokens').value as string[];
    expect(tokens).toHaveLength(4096);
    for (const [text, id] of Object.entries(tok.model.vocab)) expect(tokens[id]).toBe(text);
    const types = meta('tokenizer.ggml.token_type').value as number[];
    expect(types).toHaveLength(4096);
    expect(types[0]).toBe(3); // <|endoftext|>: control
    expect(new Set(types.slice(1))).toEqual(new Set([1]));
    expect(meta('tokenizer.ggml.merges').value).toEqual(tok.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m)));
  });

  it('lists every tensor with ggml-order dims, F32, aligned non-overlapping offsets and no output.weight (tied head)', () => {
    expect(p.tensors).toHaveLength(2 + 4 * 9);
    const dims = Object.fromEntries(p.tensors.map((t) => [t.name, t.dims]));
    expect(dims['token_embd.weight']).toEqual([256, 4096]);
    expect(dims['output_norm.weight']).toEqual([256]);
    expect(dims['output.weight']).toBeUndefined();
    for (let i = 0; i < 4; i++) {
      for (const n of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) expect(dims[`blk.${i}.${n}.weight`]).toEqual([256, 256]);
      expect(dims[`blk.${i}.ffn_gate.weight`]).toEqual([256, 768]);
      expect(dims[`blk.${i}.ffn_up.weight`]).toEqual([256, 768]);
      expect(dims[`blk.${i}.ffn_down.weight`]).toEqual([768, 256]);
      expect(dims[`blk.${i}.attn_norm.weight`]).toEqual([256]);
      expect(dims[`blk.${i}.ffn_norm.weight`]).toEqual([256]);
    }
    expect(p.tensors.every((t) => t.type === 0)).toBe(true);
    expect(p.dataStart % 32).toBe(0);
    const spans = p.tensors.map((t) => [t.offset, t.offset + 4 * t.dims.reduce((a, b) => a * b, 1)]).sort((a, b) => a[0] - b[0]);
    spans.forEach(([start], i) => {
      expect(start % 32).toBe(0);
      if (i > 0) expect(start).toBeGreaterThanOrEqual(spans[i - 1][1]);
    });
    expect(file.length).toBe(p.dataStart + spans[spans.length - 1][1]);
  });

  it('stores the ONNX weights: embedding as is, linear weights as [out, in], q/k rows regrouped into adjacent rotary pairs', () => {
    const onnx = onnxInitializers();
    expect(firstMismatch(f32Of(p, 'token_embd.weight'), onnx.get('m.embed_tokens.weight')!.values)).toBe(-1);
    expect(firstMismatch(f32Of(p, 'blk.2.ffn_norm.weight'), onnx.get('m.layers.2.post_attention_layernorm.weight')!.values)).toBe(-1);
    // ONNX MatMul weights are W^T: [in, out]. GGUF row r (an output channel) = ONNX column r.
    const down = onnx.get('3/mlp/down_proj')!; // [768, 256]
    const gDown = f32Of(p, 'blk.3.ffn_down.weight'); // rows of 768
    for (const [r, c] of [[0, 0], [5, 700], [255, 767], [128, 3]]) expect(gDown[r * 768 + c]).toBe(down.values[c * 256 + r]);
    // q and k: GGUF row h*64 + 2i + j holds the rotate_half row h*64 + j*32 + i.
    for (const [layer, proj, name] of [[1, 'q_proj', 'attn_q'], [3, 'k_proj', 'attn_k']]) {
      const w = onnx.get(`${layer}/self_attn/${proj}`)!; // [256 in, 256 out]
      const g = f32Of(p, `blk.${layer}.${name}.weight`);
      for (const [h, i, j, c] of [[0, 0, 1, 0], [2, 31, 0, 17], [3, 5, 1, 255], [1, 12, 1, 100]]) {
        expect(g[(h * 64 + 2 * i + j) * 256 + c], `${name} head ${h} pair ${i}.${j}`).toBe(w.values[c * 256 + (h * 64 + j * 32 + i)]);
      }
    }
    const v = onnx.get('0/self_attn/v_proj')!;
    expect(f32Of(p, 'blk.0.attn_v.weight')[7 * 256 + 9]).toBe(v.values[9 * 256 + 7]); // v is not reordered
  });
});

describe('q/k reordering for llama.cpp rotary layout', () => {
  /** Hugging Face / our model: pairs (i, i + d/2), angle pos * theta^(-2i/d). */
  function rotateHalf(x: Float32Array, pos: number, theta: number): Float32Array {
    const d = x.length;
    const h = d / 2;
    const out = new Float32Array(d);
    for (let i = 0; i < h; i++) {
      const a = pos * theta ** ((-2 * i) / d);
      out[i] = x[i] * Math.cos(a) - x[i + h] * Math.sin(a);
      out[i + h] = x[i + h] * Math.cos(a) + x[i] * Math.sin(a);
    }
    return out;
  }
  /** llama.cpp's `llama` (normal) rotary: adjacent pairs (2i, 2i + 1), same angles. */
  function rotateAdjacent(x: Float32Array, pos: number, theta: number): Float32Array {
    const d = x.length;
    const out = new Float32Array(d);
    for (let i = 0; i < d / 2; i++) {
      const a = pos * theta ** ((-2 * i) / d);
      out[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
      out[2 * i + 1] = x[2 * i + 1] * Math.cos(a) + x[2 * i] * Math.sin(a);
    }
    return out;
  }
  const matVec = (w: Float32Array, cols: number, x: Float32Array, row0: number, n: number) => {
    const out = new Float32Array(n);
    for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) out[r] += w[(row0 + r) * cols + c] * x[c];
    return out;
  };
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

  it('gives the same attention scores q·k under llama.cpp rotation as the original weights under rotate_half', () => {
    const rnd = new SeededRandom(7);
    const heads = 3;
    const d = 8;
    const cols = 5;
    const wq = { shape: [heads * d, cols], values: rnd.normals(heads * d * cols, 1) };
    const wk = { shape: [heads * d, cols], values: rnd.normals(heads * d * cols, 1) };
    const pq = toAdjacentRotaryPairs(wq, heads, d);
    const pk = toAdjacentRotaryPairs(wk, heads, d);
    const xq = rnd.normals(cols, 1);
    const xk = rnd.normals(cols, 1);
    for (let h = 0; h < heads; h++) {
      for (const [posQ, posK] of [[0, 0], [7, 3], [40, 39]]) {
        const ref = dot(rotateHalf(matVec(wq.values, cols, xq, h * d, d), posQ, 100), rotateHalf(matVec(wk.values, cols, xk, h * d, d), posK, 100));
        const got = dot(rotateAdjacent(matVec(pq.values, cols, xq, h * d, d), posQ, 100), rotateAdjacent(matVec(pk.values, cols, xk, h * d, d), posK, 100));
        expect(got).toBeCloseTo(ref, 4);
      }
    }
    // And without the reordering the scores differ (the check can fail).
    const wrong = dot(rotateAdjacent(matVec(wq.values, cols, xq, 0, d), 7, 100), rotateAdjacent(matVec(wk.values, cols, xk, 0, d), 3, 100));
    const right = dot(rotateHalf(matVec(wq.values, cols, xq, 0, d), 7, 100), rotateHalf(matVec(wk.values, cols, xk, 0, d), 3, 100));
    expect(Math.abs(wrong - right)).toBeGreaterThan(1e-3);
  });
});

describe('GgufWriter', () => {
  it('writes F16 tensors, a custom alignment and arrays, and refuses duplicates and wrong shapes', () => {
    const w = new GgufWriter(64);
    w.scalar('a.flag', 'bool', true).array('a.ids', 'i32', [-1, 2, 3]).tensor('x', [2, 3], Float32Array.from([1, -2, 0.5, 65504, 0, -0.25]), 'F16').tensor('y', [3], Float32Array.from([1, 2, 3]));
    const p = parseGguf(w.encode());
    expect(p.meta.get('general.alignment')).toEqual({ type: 4, value: 64 });
    expect(p.meta.get('a.ids')?.value).toEqual([-1, 2, 3]);
    expect(p.tensors.map((t) => [t.name, t.dims, t.type, t.offset])).toEqual([['x', [3, 2], 1, 0], ['y', [3], 0, 64]]);
    expect(p.dataStart % 64).toBe(0);
    const half = new Uint16Array(p.bytes.slice(p.dataStart, p.dataStart + 12).buffer);
    expect([...half]).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0000, 0xb400]);
    expect(() => w.scalar('a.flag', 'bool', false)).toThrow(/twice/);
    expect(() => w.tensor('z', [2, 2], new Float32Array(3))).toThrow(/holds 4 values/);
  });
});
