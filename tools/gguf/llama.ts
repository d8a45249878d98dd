/**
 * A hub folder of ours (config.json, tokenizer.json, onnx/model.onnx from tools/train/export.py)
 * as a llama.cpp GGUF: architecture `llama`, float weights, the byte-level BPE vocabulary.
 *
 * Where the weights come from in the ONNX graph (torch.onnx export with constant folding):
 * - each nn.Linear is a MatMul whose second input is an initializer holding W^T ([in, out]); the
 *   node names (/m/layers.N/self_attn/q_proj/MatMul, ...) say which projection it is;
 * - RMSNorm weights and the embedding keep their PyTorch names (m.layers.N.input_layernorm.weight);
 * - the LM head is tied: export.py rewrites it as Transpose(m.embed_tokens.weight), so no output
 *   tensor is written and llama.cpp falls back to the token embedding, as for any tied model.
 *
 * Rotary layout: our model (like Hugging Face Llama) rotates the pairs (i, i + head_dim/2) of
 * each head ("rotate_half"); llama.cpp's `llama` architecture rotates adjacent pairs (2i, 2i+1).
 * Reordering the output rows of q_proj and k_proj within each head so that row 2i + j comes from
 * row j * head_dim/2 + i makes llama.cpp's rotation act on the same pairs with the same
 * frequencies; q·k is unchanged because q and k are reordered alike.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { GgufWriter, type TensorType } from './writer.ts';

const { onnx } = onnxProto;

export interface LlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  max_position_embeddings: number;
  rope_theta: number;
  rms_norm_eps: number;
  tie_word_embeddings: boolean;
  bos_token_id: number;
  eos_token_id: number;
}

/** llama.cpp token types (llama_token_type). */
const TOKEN_TYPE = { NORMAL: 1, CONTROL: 3 } as const;

/** Our projection names -> llama.cpp tensor names (per block). */
const PROJECTIONS: Record<string, string> = {
  'self_attn/q_proj': 'attn_q',
  'self_attn/k_proj': 'attn_k',
  'self_attn/v_proj': 'attn_v',
  'self_attn/o_proj': 'attn_output',
  'mlp/gate_proj': 'ffn_gate',
  'mlp/up_proj': 'ffn_up',
  'mlp/down_proj': 'ffn_down',
};

export interface Tensor {
  shape: number[];
  values: Float32Array;
}

/** Every float weight of the ONNX graph, under llama.cpp's tensor names, in llama.cpp's layout. */
export function llamaTensors(onnxBytes: Uint8Array, c: LlamaConfig): Map<string, Tensor> {
  const graph = onnx.ModelProto.decode(onnxBytes).graph;
  if (!graph) throw new Error('ONNX file without a graph');
  const inits = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.name) continue;
    inits.set(t.name, { shape: (t.dims ?? []).map(Number), values: floatsOf(t) });
  }
  const take = (name: string): Tensor => {
    const t = inits.get(name);
    if (!t) throw new Error(`ONNX initializer ${name} not found`);
    return t;
  };

  const out = new Map<string, Tensor>();
  out.set('token_embd.weight', expectShape(take('m.embed_tokens.weight'), [c.vocab_size, c.hidden_size], 'embedding'));
  out.set('output_norm.weight', expectShape(take('m.norm.weight'), [c.hidden_size], 'final norm'));
  for (let i = 0; i < c.num_hidden_layers; i++) {
    out.set(`blk.${i}.attn_norm.weight`, expectShape(take(`m.layers.${i}.input_layernorm.weight`), [c.hidden_size], 'norm'));
    out.set(`blk.${i}.ffn_norm.weight`, expectShape(take(`m.layers.${i}.post_attention_layernorm.weight`), [c.hidden_size], 'norm'));
  }

  let tiedHead = false;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'MatMul') continue;
    const m = /^\/m\/layers\.(\d+)\/(self_attn\/[qkvo]_proj|mlp\/(?:gate|up|down)_proj)\/MatMul$/.exec(node.name ?? '');
    if (!m) {
      if (isTiedHead(graph.node ?? [], node.input?.[1])) tiedHead = true;
      continue;
    }
    const [, layer, proj] = m;
    const weightT = take(node.input![1]); // [in, out]
    let w = transpose(weightT); // [out, in], PyTorch's nn.Linear layout
    if (proj === 'self_attn/q_proj') w = toAdjacentRotaryPairs(w, c.num_attention_heads, c.head_dim);
    if (proj === 'self_attn/k_proj') w = toAdjacentRotaryPairs(w, c.num_key_value_heads, c.head_dim);
    const name = `blk.${layer}.${PROJECTIONS[proj]}.weight`;
    if (out.has(name)) throw new Error(`${name} found twice in the graph`);
    out.set(name, w);
  }
  if (!tiedHead) throw new Error('the LM head is not Transpose(m.embed_tokens.weight): an untied head needs an output.weight tensor');
  const expected = 2 + c.num_hidden_layers * (2 + Object.keys(PROJECTIONS).length);
  if (out.size !== expected) throw new Error(`found ${out.size} tensors, expected ${expected}`);
  return out;
}

function isTiedHead(nodes: onnxProto.onnx.INodeProto[], input: string | undefined): boolean {
  const producer = nodes.find((n) => n.output?.includes(input ?? ''));
  return producer?.opType === 'Transpose' && producer.input?.[0] === 'm.embed_tokens.weight';
}

function floatsOf(t: onnxProto.onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    // Copy: the protobuf slice may sit at an offset that is not a multiple of 4.
    const raw = t.rawData;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  return Float32Array.from(t.floatData ?? []);
}

function expectShape(t: Tensor, shape: number[], what: string): Tensor {
  if (t.shape.join() !== shape.join()) throw new Error(`${what}: shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  return t;
}

export function transpose(t: Tensor): Tensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.values[r * cols + c];
  return { shape: [cols, rows], values: out };
}

/**
 * Reorders the output rows of a q/k projection ([heads * head_dim, in]) so that, within each head,
 * row 2i + j is the old row j * head_dim/2 + i: the rotate_half pair (i, i + head_dim/2) becomes
 * the adjacent pair (2i, 2i + 1) that llama.cpp rotates.
 */
export function toAdjacentRotaryPairs(t: Tensor, heads: number, headDim: number): Tensor {
  const [rows, cols] = t.shape;
  if (rows !== heads * headDim) throw new Error(`q/k projection with ${rows} rows, expected ${heads} × ${headDim}`);
  const half = headDim / 2;
  const out = new Float32Array(t.values.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headDim + j * half + i) * cols;
        const to = (h * headDim + 2 * i + j) * cols;
        out.set(t.values.subarray(from, from + cols), to);
      }
    }
  }
  return { shape: t.shape, values: out };
}

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string; special: boolean }[];
  pre_tokenizer?: { type: string };
}

/** The vocabulary as llama.cpp's `gpt2` (byte-level BPE) tokenizer reads it. */
export function gpt2Vocabulary(tok: TokenizerJson, vocabSize: number): { tokens: string[]; types: number[]; merges: string[] } {
  if (tok.model.type !== 'BPE' || tok.pre_tokenizer?.type !== 'ByteLevel') throw new Error(`tokenizer ${tok.model.type}/${tok.pre_tokenizer?.type}: only byte-level BPE is exported`);
  const tokens = new Array<string>(vocabSize);
  const types = new Array<number>(vocabSize).fill(TOKEN_TYPE.NORMAL);
  for (const [text, id] of Object.entries(tok.model.vocab)) tokens[id] = text;
  for (const a of tok.added_tokens) {
    tokens[a.id] = a.content;
    if (a.special) types[a.id] = TOKEN_TYPE.CONTROL;
  }
  const missing = tokens.findIndex((t) => t === undefined);
  if (missing >= 0 || tokens.length !== vocabSize) throw new Error(`token id ${missing} has no string (vocabulary of ${vocabSize})`);
  const merges = tok.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' ')));
  return { tokens, types, merges };
}

/** Encodes a hub folder as a llama.cpp GGUF. */
export function llamaGguf(modelDir: string, opts: { type?: TensorType; name?: string } = {}): Uint8Array {
  const type = opts.type ?? 'F32';
  const c = JSON.parse(readFileSync(resolve(modelDir, 'config.json'), 'utf8')) as LlamaConfig;
  if (!c.tie_word_embeddings) throw new Error('only tied-embedding models are exported');
  const tok = JSON.parse(readFileSync(resolve(modelDir, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const vocab = gpt2Vocabulary(tok, c.vocab_size);
  const tensors = llamaTensors(readFileSync(resolve(modelDir, 'onnx/model.onnx')), c);

  const w = new GgufWriter();
  w.scalar('general.architecture', 'string', 'llama')
    .scalar('general.name', 'string', opts.name ?? modelDir.replace(/\/+$/, '').split('/').pop()!)
    .scalar('general.file_type', 'u32', type === 'F32' ? 0 : 1) // ALL_F32 / MOSTLY_F16
    .scalar('llama.vocab_size', 'u32', c.vocab_size)
    .scalar('llama.context_length', 'u32', c.max_position_embeddings)
    .scalar('llama.embedding_length', 'u32', c.hidden_size)
    .scalar('llama.block_count', 'u32', c.num_hidden_layers)
    .scalar('llama.feed_forward_length', 'u32', c.intermediate_size)
    .scalar('llama.attention.head_count', 'u32', c.num_attention_heads)
    .scalar('llama.attention.head_count_kv', 'u32', c.num_key_value_heads)
    .scalar('llama.attention.key_length', 'u32', c.head_dim)
    .scalar('llama.attention.value_length', 'u32', c.head_dim)
    .scalar('llama.rope.freq_base', 'f32', c.rope_theta)
    .scalar('llama.rope.dimension_count', 'u32', c.head_dim)
    .scalar('llama.attention.layer_norm_rms_epsilon', 'f32', c.rms_norm_eps)
    .scalar('tokenizer.ggml.model', 'string', 'gpt2')
    .scalar('tokenizer.ggml.pre', 'string', 'gpt-2')
    .array('tokenizer.ggml.tokens', 'string', vocab.tokens)
    .array('tokenizer.ggml.token_type', 'i32', vocab.types)
    .array('tokenizer.ggml.merges', 'string', vocab.merges)
    .scalar('tokenizer.ggml.bos_token_id', 'u32', c.bos_token_id)
    .scalar('tokenizer.ggml.eos_token_id', 'u32', c.eos_token_id)
    .scalar('tokenizer.ggml.add_bos_token', 'bool', false);
  // Norm weights stay F32 whatever the type (ggml adds them to F32 activations), as llama.cpp's converter does.
  for (const [name, t] of tensors) w.tensor(name, t.shape, t.values, t.shape.length === 1 ? 'F32' : type);
  return w.encode();
}
