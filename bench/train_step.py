"""Throughput of a BatCoder RL step with the tiny model on CPU.

Runs a few real training steps (rollout → rewards → update) and prints generation tokens/s,
update tokens/s and the reward's share of the step time (goal: < 10 %). The reward share counts
the main process's time in the documentation filter plus the time it waited for similarity scores
that were not yet ready; scoring that overlapped with generation is printed separately.

    .venv/bin/python bench/train_step.py                       # quickstart model + corpus if built
    .venv/bin/python bench/train_step.py --model DIR --corpus c.jsonl --steps 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from batcoder.config import load_config
from batcoder.rl.metrics import read_metrics
from batcoder.training import train


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/quickstart-cpu.yaml")
    parser.add_argument("--model", default=None, help="model directory (default: the config's model.path)")
    parser.add_argument("--corpus", default=None, help="corpus JSONL (default: the config's data.corpus)")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("overrides", nargs="*", metavar="key=value")
    args = parser.parse_args()

    overrides = [f"run.steps={args.steps}", "run.checkpoint_every=0", "run.tensorboard=false", "run.eval_every=0", *args.overrides]
    if args.model:
        overrides.append(f"model.path={args.model}")
    if args.corpus:
        overrides.append(f"data.corpus={args.corpus}")
    with tempfile.TemporaryDirectory() as run_dir:
        config = load_config(args.config, [*overrides, f"run.output_dir={run_dir}"])
        if not Path(config.model.path).exists():
            print(f"bench: model {config.model.path} not found; run the standard-library commands in README first or pass --model", file=sys.stderr)
            return 2
        train(config)
        records = read_metrics(Path(run_dir) / "metrics.jsonl")

    # The first step includes one-off costs (worker start-up, allocator warm-up): report the rest.
    measured = records[1:] or records

    def total(key: str) -> float:
        return sum(r[key] for r in measured)

    step_s = total("time/step")
    print(f"steps measured:            {len(measured)} (of {len(records)}; the first is warm-up)")
    print(f"step time:                 {step_s / len(measured):.2f} s/step")
    print(f"generation:                {statistics.mean(r['tokens_per_s/generation'] for r in measured):,.0f} tokens/s"
          f"  ({100 * total('time/generation') / step_s:.1f}% of the step)")
    print(f"update:                    {statistics.mean(r['tokens_per_s/update'] for r in measured):,.0f} tokens/s"
          f"  ({100 * total('time/update') / step_s:.1f}% of the step)")
    share = 100 * total("time/reward") / step_s
    print(f"reward (blocking):         {share:.1f}% of the step  (goal < 10%: {'met' if share < 10 else 'NOT met'})")
    print(f"similarity scoring:        {total('time/reward_overlapped'):.2f} s in workers, overlapped with generation")
    print(f"mean rewards (code2doc/doc2code): "
          f"{statistics.mean(r.get('reward/code2doc/mean', 0.0) for r in measured):.3f} / "
          f"{statistics.mean(r.get('reward/doc2code/mean', 0.0) for r in measured):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
