#!/usr/bin/env python3
"""Adds golden cases for the processors and sampler orders that came after the original golden file.

An independent reference: numpy (float64), written from the semantics in docs/url-parameters.md
(Hugging Face and llama.cpp), not from the TypeScript kernels. Each stage is a module in stages/
(STAGE, KEYS, HF_RANK, LLAMACPP_RANK, active(cfg), apply(s, cfg, row) and cases(); row holds the
case's context_ids, seed, step and carried processor state); this script
runs the chains and writes the expected processed probabilities, kept counts and raw entropy.

    python3 tools/golden/make_golden.py [FILE ...]

FILE defaults to tests/golden/decoding-golden.json and ../shared/golden/decoding-golden.json (when
present). Cases it wrote before (ids starting with "gen-") are replaced; the others are kept as
they are. `npm run --silent cli -- golden FILE [--backend webgpu]` then checks both backends.
"""
import importlib
import json
import os
import pkgutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.dirname(os.path.dirname(HERE))

STAGES = {}
for info in pkgutil.iter_modules([os.path.join(HERE, "stages")]):
    mod = importlib.import_module(f"stages.{info.name}")
    if hasattr(mod, "STAGE"):
        STAGES[mod.STAGE] = mod


def order_of(cfg):
    """Stage names in the order the chain runs them (sampler_order: hf, llamacpp or a comma list)."""
    name = cfg.get("sampler_order", "hf")
    by_hf = sorted(STAGES, key=lambda s: STAGES[s].HF_RANK)
    if name == "hf":
        return by_hf
    if name == "llamacpp":
        return sorted(STAGES, key=lambda s: STAGES[s].LLAMACPP_RANK)
    listed = [x.strip() for x in name.split(",")]
    return listed + [s for s in by_hf if s not in listed]


def entropy(s):
    finite = np.isfinite(s)
    m = s[finite].max()
    p = np.exp(s[finite] - m)
    p /= p.sum()
    logp = np.log(p)
    h = -(p * logp).sum()
    return h, (p * (logp + h) ** 2).sum()


def run_case(case):
    s = np.array([-np.inf if x is None else x for x in case["logits"]], dtype=np.float64)
    cfg = case["config"]
    row = {"context": cfg.get("context_ids", []), "seed": cfg.get("seed", 0), "step": cfg.get("step", 0), "state": cfg.get("state", {})}
    h, vh = entropy(s)
    stages = []
    for name in order_of(cfg):
        mod = STAGES[name]
        if not mod.active(cfg):
            continue
        s = mod.apply(s.copy(), cfg, row)
        stages.append({"name": name, "kept": int(np.isfinite(s).sum())})
    m = s[np.isfinite(s)].max()
    p = np.where(np.isfinite(s), np.exp(s - m), 0.0)
    p /= p.sum()
    case["expected"] = {"probs": p.tolist(), "stages": stages, "raw_entropy": float(h), "raw_varentropy": float(vh)}
    return case


def generated():
    out = []
    for name in sorted(STAGES):
        for i, case in enumerate(STAGES[name].cases()):
            case["id"] = f"gen-{name}-{i}"
            case.setdefault("kind", "generated")
            out.append(run_case(case))
    return out


def main(paths):
    cases = generated()
    for path in paths:
        with open(path) as f:
            golden = json.load(f)
        kept = [c for c in golden["processors"] if not c["id"].startswith("gen-")]
        golden["processors"] = kept + cases
        with open(path, "w") as f:
            json.dump(golden, f)
        print(f"{path}: {len(kept)} original + {len(cases)} generated processor cases")


if __name__ == "__main__":
    default = [os.path.join(ROOT, "tests/golden/decoding-golden.json")]
    shared = os.path.join(os.path.dirname(ROOT), "shared/golden/decoding-golden.json")
    if os.path.exists(shared):
        default.append(shared)
    main(sys.argv[1:] or default)
