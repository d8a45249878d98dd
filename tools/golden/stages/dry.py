"""DRY (llama.cpp llama_sampler_dry_apply, no sequence breakers): with `rep[j]` the longest repeat of
the context's end that ends at window position j (j before the last token), the token after j gets
multiplier * base^(rep - allowed) when rep >= allowed, the max over its occurrences; the exponent
is clamped at int(88.7228391 / ln base) (float32, as llama.cpp) when base > 1.000001."""
import numpy as np
from stages.common import logits

STAGE = "dry"
HF_RANK = 14
LLAMACPP_RANK = 8


def active(cfg):
    return cfg.get("dry_multiplier", 0) != 0 and cfg.get("dry_penalty_last_n", -1) != 0


def apply(s, cfg, row):
    mult = cfg["dry_multiplier"]
    base = cfg.get("dry_base", 1.75)
    allowed = cfg.get("dry_allowed_length", 2)
    last_n = cfg.get("dry_penalty_last_n", -1)
    seq = [t for t in row["context"] if 0 <= t < len(s)]
    if last_n >= 0:
        seq = seq[len(seq) - min(len(seq), last_n):]
    W = len(seq)
    if W <= allowed:
        return s
    # Repeats grow by one token at a time: rep[j] ends as the longest length n whose n tokens
    # ending at j equal the last n tokens.
    rep = np.zeros(W, dtype=int)
    for n in range(1, W):
        tail = seq[W - n:]
        for j in range(n - 1, W - 1):
            if seq[j - n + 1:j + 1] == tail:
                rep[j] = n
    longest = {}
    for j in range(W - 1):
        if rep[j] >= allowed:
            t = seq[j + 1]
            longest[t] = max(longest.get(t, 0), rep[j])
    max_exp = int(np.float32(88.7228391) / np.log(np.float32(base))) if base > 1.000001 else 0
    for t, n in longest.items():
        e = n - allowed
        if max_exp > 0:
            e = min(e, max_exp)
        s[t] -= mult * base ** e
    return s


def phrases(seed, length, vocab):
    r = np.random.default_rng(seed)
    ph = [list(r.integers(0, vocab, r.integers(3, 7))) for _ in range(3)]
    out = []
    while len(out) < length:
        out += [int(x) for x in ph[r.integers(0, 3)]]
    return out[:length]


def lifted(seed, n, ids):
    """Logits with the context's tokens raised, so their penalties move visible mass."""
    l = logits(seed, n)
    for t in set(ids):
        if t < n:
            l[t] += 4.0
    return l


def cases():
    a, b, c, y = 0, 1, 2, 3
    example = [a, b, c, c, b, c, y, a, b, c]  # llama.cpp's worked example
    out = [
        {"logits": logits(400, 16), "config": {"dry_multiplier": 1.0, "dry_base": 2.0, "dry_allowed_length": 1, "context_ids": example}},
        {"logits": logits(401, 16), "config": {"dry_multiplier": 0.8, "context_ids": example}},
        {"logits": logits(402, 16), "config": {"dry_multiplier": 0.8, "dry_penalty_last_n": 7, "context_ids": example}},
    ]
    ctx = phrases(5, 120, 24) + [99]  # 99 is past the vocabulary: dropped from the sequence
    for cfg in [
        {"dry_multiplier": 0.8},
        {"dry_multiplier": 1.5, "dry_base": 1.3, "dry_allowed_length": 3},
        {"dry_multiplier": 3.0, "dry_base": 1.0, "dry_allowed_length": 2, "dry_penalty_last_n": 40},
        {"dry_multiplier": 2.0, "dry_base": 10.0, "dry_allowed_length": 1},  # the exponent clamp
    ]:
        out.append({"logits": lifted(410 + len(out), 48, ctx), "config": {**cfg, "context_ids": ctx}})
    l = lifted(420, 48, ctx)
    l[ctx[-2]] = None
    out.append({"logits": l, "config": {"dry_multiplier": 1.0, "context_ids": ctx}})
    # One token over and over: every earlier position repeats up to the window start.
    out.append({"logits": lifted(421, 32, [7]), "config": {"dry_multiplier": 1.0, "dry_base": 1.75, "context_ids": [7] * 200}})
    for order in ["hf", "llamacpp"]:
        out.append({"logits": lifted(430, 48, ctx), "config": {"dry_multiplier": 1.0, "presence_penalty": 0.3, "repetition_penalty": 1.2, "logit_bias": "1:1.5", "top_k": 20, "min_p": 0.01, "temperature": 0.8, "context_ids": ctx, "sampler_order": order}})
    return out
