#!/usr/bin/env bash
# Whole pipeline for the embedded default models (see tools/train/README.md).
#   bash tools/train/train.sh            # everything: corpus, tokenizer, train both, export, eval, cards, verify
#   bash tools/train/train.sh export     # from export on (reuses work/*/ckpt.pt)
#   bash tools/train/train.sh eval       # from evaluation on
# Environment overrides: TARGET_STEPS, TARGET2_STEPS, DRAFT_STEPS, DRAFT2_STEPS, BUDGET (seconds per run, 0 = off), PY.
# The step counts are those of the committed models (whose runs were capped by time budgets on a
# busy machine: the lr schedule then follows max(step/steps, elapsed/budget)). With BUDGET=0 the
# schedules are step-based and deterministic. Idle 2-core machine, 1 thread per run: target ~1.7
# s/step (two phases), draft ~0.6 s/step: about an hour in all.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-/usr/bin/python3}"          # Debian python3 with torch 1.13 + onnx (not the pyenv one)
OUT="$ROOT/public/models/playground"
TGT=brown-target-v1
DRF=brown-draft-v1
STAGE="${1:-all}"
export OMP_NUM_THREADS=1
# large activations (logits 8x512x4096 fp32) would otherwise be mmap'ed and page-faulted every step
export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=4000000000
cd "$HERE"
mkdir -p work
T0=$(date +%s)
stamp() { echo "[$(date -u +%H:%M:%S) +$(( $(date +%s) - T0 ))s] $*"; }

if [ "$STAGE" = all ]; then
  stamp corpus;    "$PY" corpus.py
  stamp tokenizer; "$PY" bpe.py 4096 work/tokenizer 512
  stamp tokenise;  (cd "$ROOT" && node tools/train/tokenize_corpus.mjs tools/train/work/tokenizer)
  B="${BUDGET:-0}"
  COMMON=(--ctx 512 --max-pos 512 --batch 8 --threads 1)
  stamp "train $TGT (phase 1)"
  "$PY" train.py $TGT --d 256 --layers 4 --heads 4 --ffn 768 "${COMMON[@]}" \
      --steps "${TARGET_STEPS:-882}" --time-budget "$B" --lr 2.5e-3 --warmup 60 --seed 1234
  stamp "train $TGT (phase 2: warm restart from phase 1)"
  "$PY" train.py $TGT --init-from $TGT --d 256 --layers 4 --heads 4 --ffn 768 "${COMMON[@]}" \
      --steps "${TARGET2_STEPS:-900}" --time-budget "$B" --lr 8e-4 --warmup 20 --seed 4321
  stamp "train $DRF"
  "$PY" train.py $DRF --d 128 --layers 2 --heads 4 --ffn 192 "${COMMON[@]}" \
      --steps "${DRAFT_STEPS:-797}" --time-budget "$B" --lr 4e-3 --warmup 60 --seed 1234
  stamp "train $DRF (phase 2: distillation from $TGT)"
  "$PY" train.py $DRF --init-from $DRF --distill-from $TGT --distill-alpha 0.7 --d 128 --layers 2 --heads 4 --ffn 192 \
      "${COMMON[@]}" --steps "${DRAFT2_STEPS:-900}" --time-budget "$B" --lr 2e-3 --warmup 20 --seed 777
fi
if [ "$STAGE" = all ] || [ "$STAGE" = export ]; then
  for n in $TGT $DRF; do stamp "export $n"; "$PY" export.py $n "$OUT/$n" work/tokenizer; done
  # The tree attention mask (config.json announces it as "tree_attention_mask": "subtree_end").
  (cd "$ROOT" && node_modules/.bin/tsx tools/tree-mask/add-tree-mask.ts "$OUT"/$TGT/onnx/*.onnx "$OUT"/$DRF/onnx/*.onnx)
fi
stamp evaluate;  "$PY" evaluate.py $TGT $DRF "$OUT"
stamp verify;    (cd "$ROOT" && node tools/train/verify.mjs)
stamp "done; sizes:"; du -ab "$OUT" | sort -k2
