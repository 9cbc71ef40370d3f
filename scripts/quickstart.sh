#!/usr/bin/env bash
# BatCoder's main claim in miniature, on CPU: the code world -> a base model pretrained on it (cached)
# -> BatCoder RL on Ruby, a language the base saw only as code -> pass@1 before and after on the
# world's held-out benchmark (configs/experiments/quickstart.yaml, one seed; docs/experiments.md has
# all arms and seeds).
#
# Every step is skipped when its output exists (world, base model, finished runs), so the script can
# be re-run; an interrupted RL run continues from its checkpoint. Extra arguments go to
# `batcoder experiment` (e.g. --seeds 1).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
.venv/bin/batcoder experiment --config configs/experiments/quickstart.yaml "$@"
echo
echo "== pass@1 before (base) and after (batcoder) BatCoder RL, held-out benchmark (runs/quickstart/results.md):"
sed -n '/^| arm /,/^$/p' runs/quickstart/results.md
echo "Plots: runs/quickstart/pass_at_1.png, rewards.png, valid_rate.png; runs: runs/quickstart/arms/"
