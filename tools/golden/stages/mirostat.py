"""Mirostat 2.0 as a truncation stage (Basu et al. 2021; llama.cpp llama_sampler_mirostat_v2_apply).

Keeps the tokens whose surprise -log2 p is at most mu (the most probable always stays), where p is
the distribution entering the stage and mu the row's carried state (config "state":
{"mirostat_mu": ...}), 2 * tau before the first step. The mu update after sampling belongs to the
strategy, not to the chain, so a case pins mu.
"""
import numpy as np
from stages.common import logits, probs

STAGE = "mirostat"
HF_RANK = 130
LLAMACPP_RANK = 95


def active(cfg):
    return cfg.get("mirostat", 0) != 0


def apply(s, cfg, row):
    mu = row["state"].get("mirostat_mu", 2 * cfg.get("mirostat_tau", 5.0))
    p = probs(s)
    finite = np.isfinite(s)
    with np.errstate(divide="ignore"):
        surprise = -np.log2(p)
    top = finite & (s == s[finite].max())
    return np.where(finite & ((surprise <= mu) | top), s, -np.inf)


def cases():
    out = []
    for i, mu in enumerate([2.0, 4.0, 5.5, 7.5]):
        out.append({"logits": logits(300 + i, 64, 1.5), "config": {"mirostat": 2, "state": {"mirostat_mu": mu}}})
    # No carried state: mu = 2 * tau.
    for i, tau in enumerate([1.5, 2.5]):
        out.append({"logits": logits(310 + i, 64, 1.5), "config": {"mirostat": 2, "mirostat_tau": tau}})
    # mu below the top token's surprise: only the top stays; a negative mu (after surprising steps) too.
    out.append({"logits": logits(312, 64, 1.0), "config": {"mirostat": 2, "state": {"mirostat_mu": 0.05}}})
    out.append({"logits": logits(313, 64), "config": {"mirostat": 2, "state": {"mirostat_mu": -1.0}}})
    # Ties at the top and -inf entries.
    l = logits(314, 48, 1.0, ties=True)
    l[5] = None
    out.append({"logits": l, "config": {"mirostat": 2, "state": {"mirostat_mu": 3.0}}})
    # In a chain: llama.cpp (temperature, then mirostat), hf, and mirostat before top_k.
    for order in ["hf", "llamacpp", "mirostat,top_k"]:
        out.append({"logits": logits(320, 80, 1.0), "config": {"temperature": 0.7, "top_k": 20, "mirostat": 2, "state": {"mirostat_mu": 4.5}, "sampler_order": order}})
    return out
