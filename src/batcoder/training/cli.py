"""``batcoder train``: argument declarations only; the run is imported when the command runs."""

from __future__ import annotations

import signal

# An interrupted run exits like a process killed by its signal (128 + number), after its checkpoint.
EXIT_STATUS = {"SIGINT": 128 + signal.SIGINT, "SIGTERM": 128 + signal.SIGTERM}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="RL on unlabeled code (BatCoder back-translation by default)",
        description="Train a code LM with RL on unlabeled code: BatCoder back-translation (REINFORCE++) by default, "
        "or another rollout kind (rollout.kind).",
    )
    parser.add_argument("--config", required=True, help="YAML config (see configs/quickstart-cpu.yaml)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="dotted config overrides, e.g. rl.lr=1e-5")
    parser.add_argument("--output-dir", help="run directory (overrides run.output_dir)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in the run directory")
    parser.set_defaults(func=run_command)


def run_command(args) -> int:
    from batcoder.config import load_config
    from batcoder.training.run import train

    overrides = list(args.overrides)
    if args.output_dir:
        overrides.append(f"run.output_dir={args.output_dir}")
    result = train(load_config(args.config, overrides), resume=args.resume)
    return EXIT_STATUS.get(result.stopped_by, 1) if result.interrupted else 0
