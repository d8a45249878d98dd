"""Min-p (HF MinPLogitsWarper: drop tokens below min_p times the top probability)."""
from stages.common import drop, probs

STAGE = "min_p"
HF_RANK = 50
LLAMACPP_RANK = 70


def active(cfg):
    return cfg.get("min_p", 0) != 0


def apply(s, cfg, row):
    p = probs(s)
    return drop(s, (p >= cfg["min_p"] * p.max()) | (s == s.max()))


def cases():
    return []
