#!/usr/bin/env node
/**
 * Builds `<model dir>/neighbors.json`, each token's nearest neighbours in embedding space (cosine
 * similarity), for relaxed (LANTERN-style) speculative acceptance. The file format is described
 * once, in src/engine/strategies/speculative/neighbors.ts (its reader).
 *
 *   node tools/build-neighbors.mjs [public/models/playground/brown-target-v1] [--width 16]
 *
 * A minimal protobuf reader (ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto:
 * dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9), so no ONNX package is needed.
 * The embedding is the float initializer of shape [vocab, hidden] with vocab from config.json
 * (the name usually contains "embed"). Rerun after retraining the model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? 'public/models/playground/brown-target-v1';
const wi = args.indexOf('--width');
const WIDTH = wi >= 0 ? Number(args[wi + 1]) : 16;

function varint(buf, pos) {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, pos];
    shift += 7n;
  }
}

/** Yields [field, wireType, value | [start, end]] for one message in buf[start, end). */
function* fields(buf, start, end) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const field = Number(key >> 3n);
    const wt = Number(key & 7n);
    if (wt === 0) {
      let v;
      [v, pos] = varint(buf, pos);
      yield [field, wt, v];
    } else if (wt === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      const n = Number(len);
      yield [field, wt, [pos, pos + n]];
      pos += n;
    } else if (wt === 5) {
      yield [field, wt, [pos, pos + 4]];
      pos += 4;
    } else if (wt === 1) {
      yield [field, wt, [pos, pos + 8]];
      pos += 8;
    } else throw new Error(`unsupported wire type ${wt}`);
  }
}

const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const vocab = config.vocab_size;
const hidden = config.hidden_size;
const onnxPath = join(dir, 'onnx/model.onnx');
const buf = readFileSync(onnxPath);

let found = null;
for (const [f, , v] of fields(buf, 0, buf.length)) {
  if (f !== 7) continue;
  for (const [g, , gv] of fields(buf, v[0], v[1])) {
    if (g !== 5) continue;
    const t = { dims: [], name: '', type: 0, raw: null, floats: null };
    for (const [tf, twt, tv] of fields(buf, gv[0], gv[1])) {
      if (tf === 1) {
        if (twt === 0) t.dims.push(Number(tv));
        else if (twt === 2) {
          let p = tv[0];
          while (p < tv[1]) {
            let d;
            [d, p] = varint(buf, p);
            t.dims.push(Number(d));
          }
        }
      } else if (tf === 2) t.type = Number(tv);
      else if (tf === 8) t.name = buf.toString('utf8', tv[0], tv[1]);
      else if (tf === 9) t.raw = tv;
      else if (tf === 4 && twt === 2) t.floats = tv;
    }
    const isEmb = t.type === 1 && t.dims.length === 2 && t.dims[0] === vocab && t.dims[1] === hidden;
    if (isEmb && (!found || /embed/i.test(t.name))) found = t;
  }
}
if (!found) throw new Error(`no float [${vocab}, ${hidden}] initializer in ${onnxPath}`);
const span = found.raw ?? found.floats;
const bytes = buf.subarray(span[0], span[1]);
const emb = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
if (emb.length !== vocab * hidden) throw new Error(`embedding has ${emb.length} values, expected ${vocab * hidden}`);

// Cosine similarity: normalize rows, then for each token keep the WIDTH most similar others.
for (let i = 0; i < vocab; i++) {
  let n = 0;
  for (let h = 0; h < hidden; h++) n += emb[i * hidden + h] ** 2;
  n = Math.sqrt(n) || 1;
  for (let h = 0; h < hidden; h++) emb[i * hidden + h] /= n;
}
const neighbors = new Array(vocab * WIDTH);
const sims = new Float32Array(vocab);
for (let i = 0; i < vocab; i++) {
  for (let j = 0; j < vocab; j++) {
    let s = 0;
    for (let h = 0; h < hidden; h++) s += emb[i * hidden + h] * emb[j * hidden + h];
    sims[j] = s;
  }
  sims[i] = -Infinity;
  const top = [];
  for (let j = 0; j < vocab; j++) {
    if (top.length < WIDTH) top.push(j);
    else if (sims[j] > sims[top[WIDTH - 1]]) top[WIDTH - 1] = j;
    else continue;
    top.sort((a, b) => sims[b] - sims[a] || a - b);
  }
  for (let k = 0; k < WIDTH; k++) neighbors[i * WIDTH + k] = top[k];
}
const out = {
  model: dir.split('/').slice(-2).join('/'),
  source: `onnx/model.onnx initializer ${found.name}`,
  metric: 'cosine',
  vocab,
  width: WIDTH,
  neighbors,
};
writeFileSync(join(dir, 'neighbors.json'), JSON.stringify(out));
console.log(`wrote ${join(dir, 'neighbors.json')}: ${vocab} tokens x ${WIDTH} neighbours from ${found.name}`);
