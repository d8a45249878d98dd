"""Presence and frequency penalties (OpenAI; llama.cpp's penalties sampler after its repeat
penalty): logit[t] -= presence * [c_t > 0] + frequency * c_t, c_t the count of t in the context."""
import numpy as np
from stages.common import logits

STAGE = "presence_frequency"
HF_RANK = 12
LLAMACPP_RANK = 5


def active(cfg):
    return cfg.get("presence_penalty", 0) != 0 or cfg.get("frequency_penalty", 0) != 0


def apply(s, cfg, row):
    ctx = [t for t in row["context"] if 0 <= t < len(s)]
    c = np.bincount(np.array(ctx, dtype=int), minlength=len(s)).astype(np.float64)
    pen = cfg.get("presence_penalty", 0) * (c > 0) + cfg.get("frequency_penalty", 0) * c
    # -inf stays -inf (a removed token is not revived by a negative penalty).
    return s - pen


def cases():
    r = np.random.default_rng(7)
    out = []
    ctx = [int(x) for x in r.integers(0, 24, 60)] + [70, -1]  # 70 is past the vocabulary
    for pres, freq in [(0.5, 0.0), (0.0, 0.3), (1.2, 0.25), (-0.8, -0.1), (2.0, 2.0)]:
        out.append({"logits": logits(200, 48), "config": {"presence_penalty": pres, "frequency_penalty": freq, "context_ids": ctx}})
    l = logits(201, 48)
    l[ctx[0]] = None  # a removed token stays removed
    out.append({"logits": l, "config": {"presence_penalty": -2.0, "frequency_penalty": -0.5, "context_ids": ctx}})
    # With the repetition penalty: its order relative to the subtraction matters.
    for order in ["hf", "llamacpp", "presence_frequency,repetition_penalty"]:
        out.append({"logits": logits(202, 48), "config": {"repetition_penalty": 1.4, "presence_penalty": 0.7, "frequency_penalty": 0.2, "top_k": 20, "context_ids": ctx, "sampler_order": order}})
    return out
