#!/usr/bin/env bash
# BatCoder end to end on CPU in about 5 minutes (2 cores, installation excluded): Python standard-library corpus → tiny
# random model → short SFT warm-up → BatCoder RL (configs/quickstart-cpu.yaml).
#
# The SFT warm-up is NOT part of the method: a randomly initialised tiny model writes nothing the
# documentation filter accepts, so RL would get no reward at all. The warm-up teaches it the two
# prompt formats on the corpus's own docstring/code pairs so that RL has something to improve.
# Steps whose output already exists are skipped, so the script can be re-run. Extra arguments are
# passed to `batcoder train` as key=value overrides (e.g. run.steps=4).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
batcoder=.venv/bin/batcoder
out=runs/quickstart
mkdir -p "$out"

if [ ! -s "$out/corpus.jsonl" ]; then
  echo "== 1/4 corpus: short functions (<= 8 lines) from the Python standard library"
  "$batcoder" data build --language python --output "$out/corpus.jsonl" --no-tests --max-lines 8 --workers 2
else
  echo "== 1/4 corpus: reusing $out/corpus.jsonl"
fi
# A tiny model on 2 cores can only learn a few hundred functions in minutes: SFT and RL use the
# first 400 (the tokenizer is trained on the whole corpus).
head -n 400 "$out/corpus.jsonl" > "$out/corpus-400.jsonl.tmp" && mv "$out/corpus-400.jsonl.tmp" "$out/corpus-400.jsonl"

if [ ! -f "$out/tiny-model/config.json" ]; then
  echo "== 2/4 tiny model: random weights, BPE tokenizer trained on the corpus"
  "$batcoder" model init-tiny --corpus "$out/corpus.jsonl" --output "$out/tiny-model" \
    --vocab-size 2048 --hidden-size 128 --num-layers 2 --num-heads 4 --num-kv-heads 2
else
  echo "== 2/4 tiny model: reusing $out/tiny-model"
fi

if [ ! -f "$out/sft-model/config.json" ]; then
  echo "== 3/4 SFT warm-up (not the method: gives the random model something RL can improve)"
  "$batcoder" sft --model "$out/tiny-model" --corpus "$out/corpus-400.jsonl" --output "$out/sft-model" \
    --steps 400 --lr 3e-3 --give-signature --max-length 320 --device cpu
else
  echo "== 3/4 SFT warm-up: reusing $out/sft-model"
fi

echo "== 4/4 BatCoder RL"
resume=()
[ -f "$out/train/config.yaml" ] && resume=(--resume)
"$batcoder" train --config configs/quickstart-cpu.yaml --output-dir "$out/train" "${resume[@]}" "$@"
echo "Run directory: $out/train (metrics.jsonl, reward_curves.png, tensorboard/, final-model/)"
