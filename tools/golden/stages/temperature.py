"""Temperature (HF TemperatureLogitsWarper; 0 = greedy, the lowest id wins ties)."""
import numpy as np

STAGE = "temperature"
HF_RANK = 20
LLAMACPP_RANK = 90


def active(cfg):
    return cfg.get("temperature", 1) != 1


def apply(s, cfg, row):
    t = cfg["temperature"]
    if t == 0:
        best = int(np.argmax(np.where(np.isfinite(s), s, -np.inf)))
        out = np.full_like(s, -np.inf)
        out[best] = s[best]
        return out
    m = s[np.isfinite(s)].max()
    return np.where(np.isfinite(s), (s - m) / t, -np.inf)


def cases():
    return []
