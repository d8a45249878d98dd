"""Logit bias (OpenAI logit_bias, llama.cpp --logit-bias): add each listed token's bias to its logit;
ids past the vocabulary are ignored. Runs first in both named orders."""
import numpy as np
from stages.common import logits

STAGE = "logit_bias"
HF_RANK = 5
LLAMACPP_RANK = 1


def active(cfg):
    return cfg.get("logit_bias", "").strip() != ""


def parse(text):
    out = {}
    for item in text.split(","):
        tok, bias = item.split(":")
        out[int(tok)] = float(bias)
    return out


def apply(s, cfg, row):
    for tok, bias in parse(cfg["logit_bias"]).items():
        if tok < len(s):
            s[tok] += bias
    return s


def cases():
    out = [
        {"logits": logits(300, 40), "config": {"logit_bias": "3:2.5,17:-1.25,39:0.5"}},
        # -100 bans in practice; 4000 is past the vocabulary.
        {"logits": logits(301, 40), "config": {"logit_bias": "0:-100,1:100,4000:3"}},
        {"logits": logits(302, 40), "config": {"logit_bias": "5:1e1, 6 : -0.75", "temperature": 0.7}},
    ]
    l = logits(303, 40)
    l[8] = None
    out.append({"logits": l, "config": {"logit_bias": "8:50,9:-3"}})  # a removed token stays removed
    # A bias that lifts a token into the top-k (bias before truncation in every order).
    for order in ["hf", "llamacpp"]:
        out.append({"logits": logits(304, 64), "config": {"logit_bias": "2:6,11:-4", "top_k": 8, "temperature": 1.3, "min_p": 0.02, "sampler_order": order}})
    return out
