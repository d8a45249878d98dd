// Quick Node check of the exported folders with transformers.js on CPU (onnxruntime-node):
// loads fp32 / q8 / q4, prints ONNX I/O, compares logits with the PyTorch fixture, checks that
// KV-cache greedy generate() equals full-recompute greedy. Usage: node tools/train/verify.mjs
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.join(root, 'public/models') + '/';
let failed = 0;
const check = (ok, msg) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${msg}`); if (!ok) failed++; };
const i64 = (rows) => new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

for (const name of ['brown-target-v1', 'brown-draft-v1']) {
  const id = `playground/${name}`;
  const tok = await AutoTokenizer.from_pretrained(id);
  const fx = JSON.parse(fs.readFileSync(path.join(root, `tests/fixtures/${name}-parity.json`), 'utf8'));
  for (const dtype of ['fp32', 'q8', 'q4']) {
    let model;
    try { model = await AutoModelForCausalLM.from_pretrained(id, { device: 'cpu', dtype }); }
    catch (e) { check(false, `${name} ${dtype} load: ${e.message}`); continue; }
    if (dtype === 'fp32') console.log(JSON.stringify(model.sessions.model.inputNames), JSON.stringify(model.sessions.model.outputNames.slice(0, 3)));
    let maxd = 0;
    for (const c of fx.cases) {
      const ids = i64([c.input_ids]);
      const out = await model({ input_ids: ids, attention_mask: i64([c.input_ids.map(() => 1)]) });
      const [_, S, V] = out.logits.dims;
      const d = out.logits.data;
      for (let s = 0; s < S; s++) for (let j = 0; j * fx.stride < V; j++) maxd = Math.max(maxd, Math.abs(d[s * V + j * fx.stride] - c.logits_strided[s][j]));
    }
    const b = fx.batch_left_padded;
    const ob = await model({ input_ids: i64(b.input_ids), attention_mask: i64(b.attention_mask), position_ids: i64(b.position_ids) });
    let maxb = 0; const [B, S, V] = ob.logits.dims;
    for (let r = 0; r < B; r++) for (let s = 0; s < S; s++) if (b.attention_mask[r][s]) for (let j = 0; j * fx.stride < V; j++)
      maxb = Math.max(maxb, Math.abs(ob.logits.data[(r * S + s) * V + j * fx.stride] - b.logits_strided[r][s][j]));
    console.log(`${name} ${dtype}: max |logit diff| vs PyTorch ${maxd.toExponential(2)}, left-padded batch ${maxb.toExponential(2)}`);
    if (dtype === 'fp32') check(maxd < fx.tolerance_abs && maxb < fx.tolerance_abs, `${name} fp32 parity`);
    const prompt = 'The jury said that the';
    const enc = tok(prompt);
    const gen = await model.generate({ ...enc, max_new_tokens: 24, do_sample: false });
    const genIds = Array.from(gen.data, Number);
    // full recompute greedy
    let seq = Array.from(enc.input_ids.data, Number);
    const n0 = seq.length;
    for (let t = 0; t < 24; t++) {
      const o = await model({ input_ids: i64([seq]), attention_mask: i64([seq.map(() => 1)]) });
      const V2 = o.logits.dims[2]; const last = o.logits.data.subarray((seq.length - 1) * V2, seq.length * V2);
      let am = 0; for (let v = 1; v < V2; v++) if (last[v] > last[am]) am = v;
      seq.push(am);
      if (am === 0) break;
    }
    check(JSON.stringify(genIds.slice(0, seq.length)) === JSON.stringify(seq), `${name} ${dtype} KV-cache greedy == full recompute: ${JSON.stringify(tok.decode(genIds.slice(n0)))}`);
  }
}
process.exit(failed ? 1 : 0);
