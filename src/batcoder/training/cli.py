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
    add_launch_flags(parser)
    parser.set_defaults(func=run_command)


def add_launch_flags(parser) -> None:
    """``--num-processes`` and ``--accelerate-config``, for a command that trains with several processes."""
    parser.add_argument("--num-processes", type=int, metavar="N",
                        help="train with N processes on this machine (one per GPU; gloo on CPU): starts `accelerate launch` for you")
    parser.add_argument("--accelerate-config", metavar="FILE",
                        help="accelerate config for --num-processes (configs/accelerate/: ddp, fsdp, zero2, zero3); default: DDP")


def launcher_command(args, command: list[str]) -> list[str]:
    """The ``accelerate launch -m batcoder COMMAND...`` command line that ``--num-processes`` runs."""
    import sys

    launch = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(args.num_processes or 1)]
    if args.accelerate_config:
        launch += ["--config_file", args.accelerate_config]
    else:  # DDP over this machine's GPUs, or CPU processes (gloo) where there are none
        launch += ["--multi_gpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    return launch + ["-m", "batcoder", *command]


def relaunched(args, command: list[str], check_config) -> int | None:
    """With ``--num-processes N > 1`` (or an accelerate config): ``check_config()`` once here (a bad
    config is one error, not one per process), then run ``batcoder COMMAND...`` under accelerate
    launch and return its exit status. ``None``: no launcher wanted, run in this process."""
    from batcoder.errors import UserError
    from batcoder.training.distributed import launched_world_size

    if args.num_processes is not None and args.num_processes < 1:
        raise UserError(f"--num-processes: must be >= 1, got {args.num_processes}")
    if (args.num_processes or 1) == 1 and not args.accelerate_config:
        return None
    if launched_world_size() > 1:
        raise UserError("--num-processes: this process was already started by a launcher; drop --num-processes")
    import subprocess

    check_config()
    return subprocess.run(launcher_command(args, command)).returncode


def run_command(args) -> int:
    from batcoder.config import load_config

    command = ["train", "--config", args.config, *(["--output-dir", args.output_dir] if args.output_dir else []),
               *(["--resume"] if args.resume else []), *args.overrides]
    status = relaunched(args, command, lambda: load_config(args.config, list(args.overrides)))
    if status is not None:
        return status

    from batcoder.training.run import train

    overrides = list(args.overrides)
    if args.output_dir:
        overrides.append(f"run.output_dir={args.output_dir}")
    result = train(load_config(args.config, overrides), resume=args.resume)
    return EXIT_STATUS.get(result.stopped_by, 1) if result.interrupted else 0
