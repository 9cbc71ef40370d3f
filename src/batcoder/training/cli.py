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
    parser.add_argument("--num-processes", type=int, metavar="N",
                        help="train with N processes on this machine (one per GPU; gloo on CPU): starts `accelerate launch` for you")
    parser.add_argument("--accelerate-config", metavar="FILE",
                        help="accelerate config for --num-processes (configs/accelerate/: ddp, fsdp, zero2, zero3); default: DDP")
    parser.set_defaults(func=run_command)


def launcher_command(args) -> list[str]:
    """The ``accelerate launch -m batcoder train ...`` command line that ``--num-processes`` runs."""
    import sys

    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(args.num_processes or 1)]
    if args.accelerate_config:
        command += ["--config_file", args.accelerate_config]
    else:  # DDP over this machine's GPUs, or CPU processes (gloo) where there are none
        command += ["--multi_gpu", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    command += ["-m", "batcoder", "train", "--config", args.config]
    if args.output_dir:
        command += ["--output-dir", args.output_dir]
    if args.resume:
        command.append("--resume")
    return command + list(args.overrides)


def run_command(args) -> int:
    from batcoder.config import load_config
    from batcoder.errors import UserError
    from batcoder.training.distributed import launched_world_size

    if args.num_processes is not None and args.num_processes < 1:
        raise UserError(f"--num-processes: must be >= 1, got {args.num_processes}")
    if (args.num_processes or 1) > 1 or args.accelerate_config:
        if launched_world_size() > 1:
            raise UserError("--num-processes: this process was already started by a launcher; drop --num-processes")
        import subprocess

        load_config(args.config, list(args.overrides))  # a bad config is one error here, not one per process
        return subprocess.run(launcher_command(args)).returncode

    from batcoder.training.run import train

    overrides = list(args.overrides)
    if args.output_dir:
        overrides.append(f"run.output_dir={args.output_dir}")
    result = train(load_config(args.config, overrides), resume=args.resume)
    return EXIT_STATUS.get(result.stopped_by, 1) if result.interrupted else 0
