"""Top-n-sigma (llama.cpp): keep logits >= max - n * std, std the population std of the finite logits."""
import numpy as np
from stages.common import drop, logits

STAGE = "top_n_sigma"
HF_RANK = 110
LLAMACPP_RANK = 15


def active(cfg):
    return cfg.get("top_n_sigma", 0) != 0


def apply(s, cfg, row):
    f = s[np.isfinite(s)]
    cut = f.max() - cfg["top_n_sigma"] * f.std()
    return drop(s, s >= cut)


def cases():
    out = []
    for i, n in enumerate([0.5, 1.0, 2.0, 3.5]):
        out.append({"logits": logits(100 + i, 64), "config": {"top_n_sigma": n}})
    # -inf entries do not count in the std; temperature does not change what it keeps.
    l = logits(110, 48, 5.0)
    l[3] = None
    l[9] = None
    out.append({"logits": l, "config": {"top_n_sigma": 1.0, "temperature": 0.5}})
    out.append({"logits": logits(111, 48, 1.0, ties=True), "config": {"top_n_sigma": 0.25}})
    # The two orders differ: min_p before temperature (llama.cpp) keeps a different set.
    for order in ["hf", "llamacpp", "min_p,top_k,temperature"]:
        out.append({"logits": logits(120, 80), "config": {"temperature": 0.5, "min_p": 0.02, "top_k": 30, "top_n_sigma": 1.5, "sampler_order": order}})
    return out
