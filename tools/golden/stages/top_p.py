"""Top-p (HF TopPLogitsWarper: in descending order, ties by lower id, keep while the mass above is < p)."""
import numpy as np
from stages.common import drop, probs

STAGE = "top_p"
HF_RANK = 40
LLAMACPP_RANK = 60


def active(cfg):
    return cfg.get("top_p", 1) != 1


def apply(s, cfg, row):
    p = probs(s)
    order = sorted(range(len(s)), key=lambda i: (-s[i], i))
    keep = np.zeros(len(s), dtype=bool)
    above = 0.0
    for j, i in enumerate(order):
        if not np.isfinite(s[i]):
            break
        if above < cfg["top_p"] or j == 0:
            keep[i] = True
        above += p[i]
    return drop(s, keep)


def cases():
    return []
