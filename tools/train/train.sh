#!/usr/bin/env bash
# Whole pipeline for the embedded default models (see tools/train/README.md).
#   bash tools/train/train.sh            # everything: corpus, tokenizer, train both, export, eval, cards, verify
#   bash tools/train/train.sh export     # from export on (reuses work/*/ckpt.pt)
#   bash tools/train/train.sh eval       # from evaluation on
# Environment overrides: TARGET_STEPS, DRAFT_STEPS, TARGET_BUDGET, DRAFT_BUDGET (seconds), PY.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-/usr/bin/python3}"          # Debian python3 with torch 1.13 + onnx (not the pyenv one)
OUT="$ROOT/public/models/playground"
TGT=brown-target-v1
DRF=brown-draft-v1
STAGE="${1:-all}"
export OMP_NUM_THREADS=2
cd "$HERE"
mkdir -p work
T0=$(date +%s)
stamp() { echo "[$(date -u +%H:%M:%S) +$(( $(date +%s) - T0 ))s] $*"; }

if [ "$STAGE" = all ]; then
  stamp corpus;    "$PY" corpus.py
  stamp tokenizer; "$PY" bpe.py 4096 work/tokenizer 512
  stamp tokenise;  (cd "$ROOT" && node tools/train/tokenize_corpus.mjs tools/train/work/tokenizer)
  stamp "train $TGT"
  "$PY" train.py $TGT --d 256 --layers 4 --heads 4 --ffn 768 --ctx 512 --max-pos 512 --batch 8 \
      --steps "${TARGET_STEPS:-900}" --time-budget "${TARGET_BUDGET:-2280}" --lr 2.5e-3 --warmup 60
  stamp "train $DRF"
  "$PY" train.py $DRF --d 128 --layers 2 --heads 4 --ffn 192 --ctx 512 --max-pos 512 --batch 8 \
      --steps "${DRAFT_STEPS:-1000}" --time-budget "${DRAFT_BUDGET:-840}" --lr 4e-3 --warmup 60
fi
if [ "$STAGE" = all ] || [ "$STAGE" = export ]; then
  for n in $TGT $DRF; do stamp "export $n"; "$PY" export.py $n "$OUT/$n" work/tokenizer; done
fi
stamp evaluate;  "$PY" evaluate.py $TGT $DRF "$OUT"
stamp verify;    (cd "$ROOT" && node tools/train/verify.mjs)
stamp "done; sizes:"; du -ab "$OUT" | sort -k2
