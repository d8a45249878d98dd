"""XTC, exclude top choices (llama.cpp llama_sampler_xtc_apply; text-generation-webui).

With probability xtc_probability (one coin per row), every token whose probability reaches
xtc_threshold is removed except the least probable of them; nothing happens when fewer than two
reach it, and a threshold above 0.5 switches the sampler off. The coin is the project's
counter-based RNG (src/engine/rng.ts, shaders/rng.wgsl), re-derived here from its definition:
a chain of PCG output permutations over (seed, step, purpose word, index), uniform = (top 23 bits
+ 0.5) / 2^23; XTC draws index 0 with purpose word (sub << 8) | 8. Ties among the least probable:
the lowest token id stays.
"""
import numpy as np
from stages.common import logits, probs

STAGE = "xtc"
HF_RANK = 120
LLAMACPP_RANK = 85

MASK = 0xFFFFFFFF
PURPOSE_XTC = 8


def pcg(v):
    state = (v * 747796405 + 2891336453) & MASK
    word = (((state >> ((state >> 28) + 4)) ^ state) * 277803737) & MASK
    return ((word >> 22) ^ word) & MASK


def uniform(seed, step, purpose, index):
    h = pcg(seed & MASK)
    for x in (step, purpose, index):
        h = pcg(h ^ (x & MASK))
    return ((h >> 9) + 0.5) / 8388608.0


def threshold(cfg):
    return cfg.get("xtc_threshold", 0.1)


def active(cfg):
    return cfg.get("xtc_probability", 0) > 0 and threshold(cfg) <= 0.5


def apply(s, cfg, row):
    # The shader compares the coin with the f32 probability; u is exact in f32.
    u = uniform(row["seed"], row["step"], PURPOSE_XTC, 0)
    if u > float(np.float32(cfg["xtc_probability"])):
        return s
    p = probs(s)
    top = np.flatnonzero(np.isfinite(s) & (p >= threshold(cfg)))
    if len(top) < 2:
        return s
    spared = top[np.argmin(p[top])]  # argmin: first, i.e. lowest id, among equals
    s[top[top != spared]] = -np.inf
    return s


def acts(seed, step, probability):
    return uniform(seed, step, PURPOSE_XTC, 0) <= float(np.float32(probability))


def cases():
    out = []
    for i, thr in enumerate([0.02, 0.03, 0.05, 0.1]):
        out.append({"logits": logits(200 + i, 64, 1.0), "config": {"xtc_probability": 1.0, "xtc_threshold": thr, "seed": 3, "step": i}})
    # probability 0.5: the coin of (seed, step) decides; pick keys on both sides.
    on = [(sd, st) for sd in range(1, 40) for st in (0, 9) if acts(sd, st, 0.5)][:2]
    off = [(sd, st) for sd in range(1, 40) for st in (0, 9) if not acts(sd, st, 0.5)][:2]
    for sd, st in on + off:
        out.append({"logits": logits(210, 64, 1.0), "config": {"xtc_probability": 0.5, "xtc_threshold": 0.03, "seed": sd, "step": st}})
    # Ties: two least probable top choices (ids 1 and 2) -> id 1 stays; three equal maxima.
    tie = [3.0, 2.0, 2.0, 3.0, 0.0, -1.0, -2.0, -3.0, -4.0, -5.0, None, -6.0]
    out.append({"logits": tie, "config": {"xtc_probability": 1.0, "xtc_threshold": 0.1, "seed": 1}})
    out.append({"logits": logits(211, 48, 1.0, ties=True), "config": {"xtc_probability": 1.0, "xtc_threshold": 0.03, "seed": 2}})
    # Only one token reaches the threshold: nothing removed. Above 0.5: off (no stage).
    peaked = [6.0] + [0.0] * 20
    out.append({"logits": peaked, "config": {"xtc_probability": 1.0, "xtc_threshold": 0.1}})
    out.append({"logits": logits(212, 32), "config": {"xtc_probability": 1.0, "xtc_threshold": 0.6}})
    # Threshold 0: every candidate reaches it, only the least probable stays.
    out.append({"logits": logits(213, 32), "config": {"xtc_probability": 1.0, "xtc_threshold": 0.0}})
    # In a chain: llama.cpp order (min_p, xtc, then temperature) vs hf (temperature first).
    for order in ["hf", "llamacpp"]:
        out.append({"logits": logits(220, 80, 1.5), "config": {"temperature": 0.6, "min_p": 0.01, "xtc_probability": 1.0, "xtc_threshold": 0.04, "seed": 5, "step": 2, "sampler_order": order}})
    return out
