"""Helpers the stage modules share: softmax over the finite scores and seeded test logits."""
import numpy as np


def probs(s):
    finite = np.isfinite(s)
    m = s[finite].max()
    p = np.where(finite, np.exp(s - m), 0.0)
    return p / p.sum()


def logits(seed, n, scale=3.0, ties=False):
    """Random logits; with ties, a few equal values at the top to pin the tie rules."""
    r = np.random.default_rng(seed)
    x = r.normal(0, scale, n)
    if ties:
        x[[1, 4, 7]] = x.max()
    return [float(v) for v in x]


def drop(s, keep):
    s[~keep] = -np.inf
    return s
