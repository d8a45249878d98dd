/**
 * The embedded default models (public/models/playground/brown-{target,draft}-v1, built by
 * tools/train/train.sh) loaded with transformers.js on CPU (onnxruntime-node):
 *   - tokenizer round trip on validation text;
 *   - export parity: fp32 ONNX logits equal the PyTorch logits written at export time
 *     (tests/fixtures/<model>-parity.json, absolute tolerance in the fixture: 1e-4), also for a
 *     left-padded batch of 2;
 *   - KV-cache decoding equals full-sequence decoding (logits within 1e-4, greedy tokens equal),
 *     for one row and for a left-padded batch;
 *   - validation perplexity on the documented eval subset (eval.json `eval_subset`, text in
 *     tests/fixtures/brown-val-eval.txt) within 5% of the model card's figure;
 *   - q8 (model_quantized.onnx) and q4 (model_q4.onnx) load and track fp32.
 * Nothing here is hard-coded: every expected number comes from the PyTorch fixtures or eval.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = path.join(ROOT, 'public', 'models');
const NAMES = ['brown-target-v1', 'brown-draft-v1'] as const;
const KV_TOL = 1e-4;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = MODELS + '/';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Model = any;
type Tok = any;
type Out = Record<string, any>;

const readJson = (p: string) => JSON.parse(fs.readFileSync(p, 'utf8'));
const i64 = (rows: number[][]) =>
  new Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0].length]);
const posFromMask = (mask: number[][], last: number) =>
  mask.map((r) => {
    let c = 0;
    const p = r.map((m) => (c += m) - 1).map((v) => Math.max(0, v));
    return p.slice(p.length - last);
  });

/** One forward; returns logits [B,S,V] (Float32Array + dims) and the cache for the next call. */
async function forward(model: Model, ids: number[][], mask: number[][], past?: Out) {
  const inputs: Out = { input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(posFromMask(mask, ids[0].length)) };
  if (past) inputs.past_key_values = past;
  const out: Out = await model(inputs);
  const next: Out = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith('present.')) next[k.replace('present', 'past_key_values')] = v;
  return { logits: out.logits.data as Float32Array, dims: out.logits.dims as number[], past: next };
}
const row = (l: { logits: Float32Array; dims: number[] }, b: number, s: number) => {
  const [, S, V] = l.dims;
  return l.logits.subarray((b * S + s) * V, (b * S + s + 1) * V);
};
const argmax = (a: Float32Array) => {
  let m = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[m]) m = i;
  return m;
};
const maxAbs = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

const evalText = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'brown-val-eval.txt'), 'utf8');
const docs = evalText.split('\n\n');

const tokenizers: Record<string, Tok> = {};
const models: Record<string, Model> = {};
const argmaxes: Record<string, number[]> = {};

beforeAll(async () => {
  for (const n of NAMES) {
    tokenizers[n] = await AutoTokenizer.from_pretrained(`playground/${n}`);
    models[n] = await AutoModelForCausalLM.from_pretrained(`playground/${n}`, { device: 'cpu', dtype: 'fp32' });
  }
});

/** The eval-subset windows, tokenised with transformers.js exactly as tools/train does it. */
function evalWindows(tok: Tok, ev: any): number[][] {
  const ids: number[] = [];
  for (const d of docs) ids.push(0, ...tok.encode(d, { add_special_tokens: false }));
  const { windows, window: W } = ev.eval_subset;
  expect(ids.length).toBeGreaterThanOrEqual(windows * W + 1);
  return Array.from({ length: windows }, (_, w) => ids.slice(w * W, w * W + W + 1));
}

describe.each(NAMES)('%s', (name) => {
  const dir = path.join(MODELS, 'playground', name);
  const config = readJson(path.join(dir, 'config.json'));
  const ev = readJson(path.join(dir, 'eval.json'));
  const fx = readJson(path.join(ROOT, 'tests', 'fixtures', `${name}-parity.json`));

  it('config.json describes the ONNX I/O', () => {
    const s = models[name].sessions.model;
    const L = config.num_hidden_layers;
    expect(s.inputNames.slice(0, 3)).toEqual(['input_ids', 'attention_mask', 'position_ids']);
    expect(s.inputNames.length).toBe(3 + 2 * L);
    expect(s.outputNames).toContain('logits');
    expect(s.outputNames.filter((o: string) => o.startsWith('present.')).length).toBe(2 * L);
    const meta = s.inputMetadata.find((m: any) => m.name === 'past_key_values.0.key');
    if (meta?.shape) {
      expect(meta.shape[0]).toBe('batch_size');
      expect(meta.shape[1]).toBe(config.num_key_value_heads);
      expect(meta.shape[3]).toBe(config.head_dim);
    }
    expect(config.hidden_size).toBe(config.num_attention_heads * config.head_dim);
    expect(config.eos_token_id).toBe(0);
    expect(tokenizers[name].decode([config.eos_token_id])).toBe('<|endoftext|>');
  });

  it('tokenizer round-trips the validation text', () => {
    const tok = tokenizers[name];
    for (const d of docs) expect(tok.decode(tok.encode(d, { add_special_tokens: false }))).toBe(d);
    const tricky = ' leading  spaces, "quotes" -- dashes; tabs\tand\nnew lines; café ½ 1961\'s   ';
    expect(tok.decode(tok.encode(tricky, { add_special_tokens: false }))).toBe(tricky);
  });

  it(`fp32 ONNX logits equal PyTorch (abs tol ${fx.tolerance_abs})`, async () => {
    const m = models[name];
    for (const c of fx.cases) {
      const out = await forward(m, [c.input_ids], [c.input_ids.map(() => 1)]);
      const [, S, V] = out.dims;
      let d = 0;
      for (let s = 0; s < S; s++) {
        const r = row(out, 0, s);
        for (let j = 0; j * fx.stride < V; j++) d = Math.max(d, Math.abs(r[j * fx.stride] - c.logits_strided[s][j]));
        expect(argmax(r)).toBe(c.argmax[s]);
      }
      expect(d).toBeLessThan(fx.tolerance_abs);
    }
    const b = fx.batch_left_padded;
    const out = await forward(m, b.input_ids, b.attention_mask);
    const [B, S, V] = out.dims;
    let d = 0;
    for (let r = 0; r < B; r++)
      for (let s = 0; s < S; s++)
        if (b.attention_mask[r][s])
          for (let j = 0; j * fx.stride < V; j++) d = Math.max(d, Math.abs(row(out, r, s)[j * fx.stride] - b.logits_strided[r][s][j]));
    expect(d).toBeLessThan(fx.tolerance_abs);
  });

  it('KV-cache decoding equals full-sequence decoding', async () => {
    const m = models[name];
    const tok = tokenizers[name];
    const prompt = [0, ...tok.encode(docs[0], { add_special_tokens: false }).slice(0, 14)];
    // greedy with the cache: prompt (empty past), then a 1-token step per new token
    let step = await forward(m, [prompt], [prompt.map(() => 1)]);
    const seq = [...prompt];
    const cached: Float32Array[] = [];
    for (let t = 0; t < 16; t++) {
      const last = row(step, 0, step.dims[1] - 1);
      cached.push(last.slice());
      seq.push(argmax(last));
      step = await forward(m, [[seq[seq.length - 1]]], [seq.map(() => 1)], step.past);
    }
    // the same sequence in one full forward: logits at every decoded position, greedy tokens equal
    const full = await forward(m, [seq], [seq.map(() => 1)]);
    for (let t = 0; t < 16; t++) {
      const r = row(full, 0, prompt.length - 1 + t);
      expect(maxAbs(r, cached[t])).toBeLessThan(KV_TOL);
      expect(argmax(r)).toBe(seq[prompt.length + t]);
    }
    // a multi-token step on a cache (speculative verification shape) matches too
    const head = await forward(m, [seq.slice(0, 10)], [seq.slice(0, 10).map(() => 1)]);
    const chunk = await forward(m, [seq.slice(10, 15)], [seq.slice(0, 15).map(() => 1)], head.past);
    for (let s = 0; s < 5; s++) expect(maxAbs(row(chunk, 0, s), row(full, 0, 10 + s))).toBeLessThan(KV_TOL);
    // left-padded batch of 2 through the cache equals the unpadded single rows
    const a = seq.slice(0, 12);
    const b = seq.slice(3, 8);
    const pad = a.length - b.length;
    let bt = await forward(m, [a, [...Array(pad).fill(0), ...b]], [a.map(() => 1), [...Array(pad).fill(0), ...b.map(() => 1)]]);
    const mask = [a.map(() => 1), [...Array(pad).fill(0), ...b.map(() => 1)]];
    const rowsA = [...a];
    const rowsB = [...b];
    for (let t = 0; t < 4; t++) {
      const na = argmax(row(bt, 0, bt.dims[1] - 1));
      const nb = argmax(row(bt, 1, bt.dims[1] - 1));
      rowsA.push(na);
      rowsB.push(nb);
      mask[0].push(1);
      mask[1].push(1);
      bt = await forward(m, [[na], [nb]], mask, bt.past);
    }
    const sa = await forward(m, [rowsA], [rowsA.map(() => 1)]);
    const sb = await forward(m, [rowsB], [rowsB.map(() => 1)]);
    expect(maxAbs(row(bt, 0, 0), row(sa, 0, rowsA.length - 1))).toBeLessThan(KV_TOL);
    expect(maxAbs(row(bt, 1, 0), row(sb, 0, rowsB.length - 1))).toBeLessThan(KV_TOL);
    for (let t = 0; t < 4; t++) {
      expect(rowsA[a.length + t]).toBe(argmax(row(sa, 0, a.length - 1 + t)));
      expect(rowsB[b.length + t]).toBe(argmax(row(sb, 0, b.length - 1 + t)));
    }
  });

  it('validation perplexity on the eval subset is within 5% of the model card (eval.json)', async () => {
    const m = models[name];
    const wins = evalWindows(tokenizers[name], ev);
    let nll = 0;
    let n = 0;
    const am: number[] = [];
    for (let i = 0; i < wins.length; i += 2) {
      const batch = wins.slice(i, i + 2);
      const out = await forward(m, batch.map((w) => w.slice(0, -1)), batch.map((w) => w.slice(0, -1).map(() => 1)));
      for (let b = 0; b < batch.length; b++)
        for (let s = 0; s < out.dims[1]; s++) {
          const r = row(out, b, s);
          let mx = -Infinity;
          for (const v of r) mx = Math.max(mx, v);
          let z = 0;
          for (const v of r) z += Math.exp(v - mx);
          nll += mx + Math.log(z) - r[batch[b][s + 1]];
          n++;
          am.push(argmax(r));
        }
    }
    argmaxes[name] = am;
    const ppl = Math.exp(nll / n);
    expect(n).toBe(ev.eval_subset.tokens_scored);
    expect(Math.abs(ppl / ev.eval_subset.ppl - 1)).toBeLessThan(ev.eval_subset.tolerance_rel ?? 0.05);
    expect(ppl).toBeLessThan(ev.unigram_ppl_subset);
  });

  it('q8 and q4 variants load and track fp32', async () => {
    const wins = evalWindows(tokenizers[name], ev);
    const w = wins[0].slice(0, 257);
    const ref = await forward(models[name], [w], [w.map(() => 1)]);
    for (const [dtype, minAgree] of [['q8', 0.9], ['q4', 0.7]] as const) {
      if (dtype === 'q4' && !fs.existsSync(path.join(dir, 'onnx', 'model_q4.onnx'))) continue;
      const q = await AutoModelForCausalLM.from_pretrained(`playground/${name}`, { device: 'cpu', dtype });
      const out = await forward(q, [w], [w.map(() => 1)]);
      let agree = 0;
      for (let s = 0; s < w.length; s++) {
        const r = row(out, 0, s);
        expect(Number.isFinite(r[0])).toBe(true);
        if (argmax(r) === argmax(row(ref, 0, s))) agree++;
      }
      expect(agree / w.length).toBeGreaterThanOrEqual(minAgree);
      await q.dispose();
    }
  });
});

describe('draft/target pair', () => {
  it('share a tokenizer, and the draft agrees with the target as eval.json says (>= 50%)', () => {
    const [t, d] = NAMES.map((n) => fs.readFileSync(path.join(MODELS, 'playground', n, 'tokenizer.json'), 'utf8'));
    expect(d).toBe(t);
    const at = argmaxes['brown-target-v1'];
    const ad = argmaxes['brown-draft-v1'];
    expect(at?.length).toBeGreaterThan(0);
    expect(ad.length).toBe(at.length);
    const agree = at.filter((v, i) => v === ad[i]).length / at.length;
    const ev = readJson(path.join(MODELS, 'playground', 'brown-target-v1', 'eval.json'));
    expect(Math.abs(agree - ev.greedy_agreement_draft_target_subset)).toBeLessThan(0.02);
    expect(agree).toBeGreaterThanOrEqual(0.5);
  });
});
