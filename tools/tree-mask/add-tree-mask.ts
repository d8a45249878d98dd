/**
 * Graph surgery on the embedded models' ONNX files: lets one forward pass verify a whole draft
 * tree, each node attending to the past and to its ancestors only.
 *
 * Encoding. A draft tree fed in depth-first pre-order keeps every subtree contiguous, so "key k is
 * an ancestor of query q" is "k <= q <= the last index of k's subtree". The causal mask already has
 * k <= q; what remains is one number per key, carried in `attention_mask` itself (int64
 * [batch_size, total_sequence_length]):
 *   0       padding (as before)
 *   1       attend (as before)
 *   n >= 2  attend from queries whose index in the whole sequence (past included) is <= n - 2
 * A separate optional input cannot work: ONNX lets a graph input override an initializer of the
 * same name (IR >= 4), but ONNX Runtime lists such inputs in neither `inputNames` nor the feeds it
 * accepts (onnxruntime-node ignores the feed, onnxruntime-web rejects it), and a required input
 * would break transformers.js `generate()`, which feeds exactly `inputNames`. Callers that feed 0/1
 * (transformers.js, hub-style runners) get a penalty of exactly 0: bit-identical logits.
 *
 * The export (tools/train/model.py) builds one additive causal/padding bias (0 or -1e9) shared by
 * every layer and adds it to the scaled scores right before each Softmax. We add the tree penalty
 * (-1e9 where a key is out of its subtree's reach) to that shared bias once, and rewire the Adds
 * before the Softmax nodes to the sum. The query index is the graph's own `past_length + arange(S)`
 * (the right side of the causal LessOrEqual).
 *
 * Usage: npx tsx tools/tree-mask/add-tree-mask.ts FILE.onnx [...]   (rewrites each file in place;
 * a file already rewritten is left alone). config.json announces it: "tree_attention_mask": "subtree_end".
 */
import fs from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
/** The node fields used here (decoded messages always have them; the generated types make them optional). */
interface Node {
  opType: string;
  name: string;
  input: string[];
  output: string[];
}

const PREFIX = '/m/tree_mask/';
const NEG = -1e9;

/** Returns the rewritten model bytes, or null when the graph already has the tree mask. */
export function addTreeMask(bytes: Uint8Array): Uint8Array | null {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph as { node: Node[]; initializer: unknown[] };
  if (g.node.some((n) => n.name.startsWith(PREFIX))) return null;

  const producer = new Map<string, Node>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const softmax = g.node.filter((n) => n.opType === 'Softmax');
  const softmaxAdds = softmax.map((s) => producer.get(s.input[0])).filter((n): n is Node => n?.opType === 'Add');
  if (!softmax.length || softmaxAdds.length !== softmax.length) throw new Error(`expected an Add before each of the ${softmax.length} Softmax nodes`);
  // The shared causal/padding bias: the one Add input common to every layer.
  const shared = softmaxAdds[0].input.filter((name) => softmaxAdds.every((a) => a.input.includes(name)));
  if (shared.length !== 1) throw new Error(`no single mask input shared by the Softmax Adds (found ${shared.join(', ') || 'none'})`);
  const bias = shared[0];
  // The causal comparison key_index <= query_index inside the bias's subgraph: its right side is
  // the query index in the whole sequence, [S, 1].
  const causal = upstream(bias, producer).filter((n) => n.opType === 'LessOrEqual');
  if (causal.length !== 1) throw new Error(`expected one LessOrEqual (the causal mask) above ${bias}, found ${causal.length}`);
  const queryIndex = causal[0].input[1];
  if (!upstream(bias, producer).some((n) => n.input.includes('attention_mask'))) throw new Error(`${bias} does not read attention_mask`);

  const name = (s: string) => PREFIX + s;
  const i64 = (n: string, v: number[], dims: number[]) =>
    onnx.TensorProto.fromObject({ name: name(n), dims, dataType: onnx.TensorProto.DataType.INT64, rawData: bytesOf(BigInt64Array.from(v.map(BigInt))) });
  const f32 = (n: string, v: number) =>
    onnx.TensorProto.fromObject({ name: name(n), dims: [], dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytesOf(Float32Array.of(v)) });
  g.initializer.push(i64('two', [2], []), i64('one', [1], []), i64('axes_1_2', [1, 2], [2]), f32('zero', 0), f32('neg', NEG));
  const node = (op: string, inputs: string[], out: string) =>
    onnx.NodeProto.fromObject({ opType: op, name: name(op + '_' + out), input: inputs, output: [name(out)] });
  const nodes = [
    node('Sub', ['attention_mask', name('two')], 'last_query'), // [B, T]: n - 2
    node('Unsqueeze', [name('last_query'), name('axes_1_2')], 'last_query_4d'), // [B, 1, 1, T]
    node('LessOrEqual', [queryIndex, name('last_query_4d')], 'in_subtree'), // [B, 1, S, T]
    node('LessOrEqual', ['attention_mask', name('one')], 'plain'), // 0 / 1: no tree limit
    node('Unsqueeze', [name('plain'), name('axes_1_2')], 'plain_4d'),
    node('Or', [name('plain_4d'), name('in_subtree')], 'visible'),
    node('Where', [name('visible'), name('zero'), name('neg')], 'penalty'),
    node('Add', [bias, name('penalty')], 'bias'),
  ];
  const sum = name('bias');
  for (const a of softmaxAdds) a.input = a.input.map((n) => (n === bias ? sum : n));
  // Right after the later of the bias's and the query index's producers: the list stays topologically sorted.
  const at = Math.max(g.node.indexOf(producer.get(bias)!), g.node.indexOf(producer.get(queryIndex)!)) + 1;
  g.node.splice(at, 0, ...nodes);
  return onnx.ModelProto.encode(model).finish();
}

/** Every node the tensor `name` depends on. */
function upstream(name: string, producer: Map<string, Node>): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const stack = [name];
  while (stack.length) {
    const n = producer.get(stack.pop()!);
    if (!n || seen.has(n)) continue;
    seen.add(n);
    out.push(n);
    stack.push(...n.input);
  }
  return out;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: npx tsx tools/tree-mask/add-tree-mask.ts FILE.onnx [...]');
    process.exit(2);
  }
  for (const file of files) {
    const before = fs.readFileSync(file);
    const after = addTreeMask(before);
    if (!after) {
      console.log(`${file}: already has the tree mask`);
      continue;
    }
    fs.writeFileSync(file, after);
    console.log(`${file}: ${before.length} -> ${after.length} bytes`);
  }
}
