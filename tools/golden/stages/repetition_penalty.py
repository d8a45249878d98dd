"""Repetition penalty (HF RepetitionPenaltyLogitsProcessor): each distinct context token's logit is
divided by the penalty when positive, multiplied when negative."""
import numpy as np

STAGE = "repetition_penalty"
HF_RANK = 10
LLAMACPP_RANK = 3


def active(cfg):
    return cfg.get("repetition_penalty", 1) != 1


def apply(s, cfg, row):
    p = cfg["repetition_penalty"]
    ids = np.unique([t for t in row["context"] if 0 <= t < len(s)]).astype(int)
    v = s[ids]
    s[ids] = np.where(v < 0, v * p, v / p)
    return s


def cases():
    return []
