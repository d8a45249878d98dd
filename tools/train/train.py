#!/usr/bin/env python3
"""Train one model on work/train.bin.  Usage:
  train.py NAME --d 256 --layers 4 --heads 4 --ffn 768 --ctx 512 --batch 8 --steps 1000 --lr 2e-3
Writes work/NAME/ckpt.pt (weights, config, training metadata) and logs to stdout."""
import argparse, json, math, os, time

import numpy as np
import torch
import torch.nn.functional as F

from model import Config, LM

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, 'work')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('name')
    ap.add_argument('--d', type=int, default=256)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--ffn', type=int, default=768)
    ap.add_argument('--ctx', type=int, default=512)
    ap.add_argument('--max-pos', type=int, default=512)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--warmup', type=int, default=100)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--init-from', default='', help='continue from work/NAME/ckpt.pt weights (fresh optimizer, '
                    'new schedule); the saved metadata then accumulates steps, tokens and seconds')
    ap.add_argument('--distill-from', default='', help='teacher work/NAME/ckpt.pt: loss = (1-a)*CE + a*KL(teacher||student)')
    ap.add_argument('--distill-alpha', type=float, default=0.7)
    ap.add_argument('--bench', type=int, default=0, help='only time this many steps')
    ap.add_argument('--time-budget', type=float, default=0,
                    help='seconds; if > 0 the schedule progress is max(step/steps, elapsed/budget) and training '
                         'stops when it reaches 1 (a guard against a slow or busy machine)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    data = torch.from_numpy(np.fromfile(os.path.join(WORK, 'train.bin'), dtype=np.uint16).astype(np.int64))
    c = Config(vocab_size=4096, hidden_size=a.d, num_hidden_layers=a.layers, num_attention_heads=a.heads,
               intermediate_size=a.ffn, max_position_embeddings=a.max_pos)
    m = LM(c)
    prev = None
    if a.init_from:
        prev = torch.load(os.path.join(WORK, a.init_from, 'ckpt.pt'), map_location='cpu')
        assert prev['config'] == c.to_dict(), 'init-from config mismatch'
        m.load_state_dict(prev['state'])
        print(f'[{a.name}] init from {a.init_from}: {prev["meta"]["steps"]} steps', flush=True)
    print(f'[{a.name}] params {m.n_params():,} threads {torch.get_num_threads()} tokens {len(data):,}', flush=True)
    teacher = None
    if a.distill_from:
        tck = torch.load(os.path.join(WORK, a.distill_from, 'ckpt.pt'), map_location='cpu')
        teacher = LM(Config(**tck['config']))
        teacher.load_state_dict(tck['state'])
        teacher.eval()
        for p_ in teacher.parameters():
            p_.requires_grad_(False)
        print(f'[{a.name}] distilling from {a.distill_from} (alpha {a.distill_alpha})', flush=True)
    decay = [p for n, p in m.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in m.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': nodecay, 'weight_decay': 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    steps = a.bench or a.steps

    def progress(s):
        p = s / steps
        if a.time_budget > 0:
            p = max(p, (time.time() - t0) / a.time_budget)
        return min(p, 1.0)

    def lr_at(s):
        if s < a.warmup:
            return a.lr * (s + 1) / a.warmup
        p = max(0.0, (progress(s) - a.warmup / steps) / (1 - a.warmup / steps))
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))

    t0 = time.time()
    ema = None
    m.train()
    done = 0
    for s in range(steps):
        if s >= a.warmup and progress(s) >= 1.0:
            print(f'[{a.name}] time budget reached at step {s}', flush=True)
            break
        done = s + 1
        idx = torch.from_numpy(rng.integers(0, len(data) - a.ctx - 1, a.batch))
        batch = torch.stack([data[i:i + a.ctx + 1] for i in idx])
        x, y = batch[:, :-1], batch[:, 1:]
        for g in opt.param_groups:
            g['lr'] = lr_at(s)
        logits, _ = m(x)
        loss = F.cross_entropy(logits.reshape(-1, c.vocab_size), y.reshape(-1))
        if teacher is not None:
            with torch.no_grad():
                tlogp = F.log_softmax(teacher(x)[0].reshape(-1, c.vocab_size), -1)
            kl = F.kl_div(F.log_softmax(logits.reshape(-1, c.vocab_size), -1), tlogp, log_target=True,
                          reduction='batchmean')
            loss = (1 - a.distill_alpha) * loss + a.distill_alpha * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if s % 50 == 0 or s == steps - 1:
            el = time.time() - t0
            print(f'[{a.name}] step {s}/{steps} loss {loss.item():.3f} ema {ema:.3f} ppl~{math.exp(ema):.1f} '
                  f'lr {lr_at(s):.2e} {el:.0f}s ({el / (s + 1):.3f}s/step)', flush=True)
    el = time.time() - t0
    if a.bench:
        print(f'[{a.name}] bench {a.bench} steps: {el / a.bench:.3f} s/step, {a.batch * a.ctx * a.bench / el:.0f} tok/s')
        return
    meta = {'steps': done, 'planned_steps': steps, 'time_budget_s': a.time_budget, 'batch': a.batch, 'ctx': a.ctx,
            'lr': a.lr, 'warmup': a.warmup, 'seed': a.seed, 'train_seconds': round(el, 1),
            'final_train_loss_ema': round(ema, 4), 'tokens_seen': done * a.batch * a.ctx,
            'train_tokens': int(len(data)), 'distill_from': a.distill_from or None,
            'distill_alpha': a.distill_alpha if a.distill_from else None, 'threads': torch.get_num_threads(), 'params': m.n_params()}
    if prev is not None:
        pm = prev['meta']
        meta['phases'] = pm.get('phases', [dict((k, v) for k, v in pm.items() if k != 'phases')]) + [dict(meta)]
        meta['steps'] += pm['steps']
        meta['tokens_seen'] += pm['tokens_seen']
        meta['train_seconds'] = round(meta['train_seconds'] + pm['train_seconds'], 1)
    out = os.path.join(WORK, a.name)
    os.makedirs(out, exist_ok=True)
    torch.save({'state': m.state_dict(), 'config': c.to_dict(), 'meta': meta},
               os.path.join(out, 'ckpt.pt'))
    print(f'[{a.name}] done {done} steps in {el:.0f}s -> {out}/ckpt.pt', flush=True)


if __name__ == '__main__':
    main()
