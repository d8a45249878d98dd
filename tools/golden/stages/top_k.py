"""Top-k (HF TopKLogitsWarper: every token tied with the k-th largest is kept)."""
import numpy as np
from stages.common import drop

STAGE = "top_k"
HF_RANK = 30
LLAMACPP_RANK = 40


def active(cfg):
    return cfg.get("top_k", 0) != 0


def apply(s, cfg, row):
    k = cfg["top_k"]
    if k >= np.isfinite(s).sum():
        return s
    kth = np.sort(s)[::-1][k - 1]
    return drop(s, s >= kth)


def cases():
    return []
