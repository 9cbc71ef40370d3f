"""``batcoder experiment --config FILE`` and ``batcoder report RUN_DIR...``."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    experiment = subparsers.add_parser(
        "experiment",
        help="run an experiment's arms x seeds (world, pretrained base, SFT, BatCoder ablations) and report",
        description=(
            "Build the code world, pretrain the base model (cached), then run every arm x seed of the config "
            "(base, sft, batcoder, stage1-frozen, codebleu, exact, exec, cssg+exec), evaluating pass@k on the "
            "held-out benchmark and the held-out back-translation score before training and every eval.every "
            "steps. Finished runs are skipped, so an interrupted experiment resumes. Writes results.md and "
            "PNG plots to the config's output_dir."
        ),
    )
    experiment.add_argument("--config", required=True, type=Path, help="experiment YAML (configs/experiments/*.yaml)")
    experiment.add_argument("--output-dir", type=Path, help="override the config's output_dir")
    experiment.add_argument("--arms", nargs="+", help="run only these arms (the base always runs: it is step 0)")
    experiment.add_argument("--seeds", nargs="+", type=int, help="run only these seeds")
    experiment.add_argument("--models-dir", type=Path, help="override the config's models_dir (pretrained model cache)")
    experiment.add_argument("--jobs", type=int, default=1, metavar="N",
                            help="run N arm x seed runs at once, each its own process with the config's `threads` "
                                 "(on 2 cores: --jobs 2 with threads: 1); their output goes to each run's experiment.log")
    experiment.set_defaults(func=run_experiment_command)

    report = subparsers.add_parser(
        "report",
        help="redraw results.md and the plots from finished experiment runs",
        description="Collect every finished run (result.json) under the given directories and write results.md, "
        "pass_at_1.png, rewards.png and valid_rate.png.",
    )
    report.add_argument("run_dirs", nargs="+", type=Path, help="experiment output directories or single arm runs")
    report.add_argument("--output", type=Path, help="where to write the report (default: the first RUN_DIR)")
    report.set_defaults(func=run_report_command)


def run_experiment_command(args) -> int:
    from batcoder.experiment.config import load_experiment_config
    from batcoder.experiment.runner import run_experiment

    from batcoder.errors import UserError
    from batcoder.experiment.arms import ARMS

    config = load_experiment_config(args.config)
    if args.output_dir is not None:
        config.output_dir = str(args.output_dir)
    if args.models_dir is not None:
        config.models_dir = str(args.models_dir)
    if args.arms:
        unknown = [arm for arm in args.arms if arm not in ARMS]
        if unknown:
            raise UserError(f"--arms: unknown arm {unknown[0]!r} (known: {', '.join(ARMS)})")
        config.arms = args.arms
    if args.seeds:
        config.seeds = args.seeds
    if args.jobs < 1:
        raise UserError(f"--jobs: must be >= 1, got {args.jobs}")
    output = run_experiment(config, jobs=args.jobs)
    print(f"experiment: done; {output / 'results.md'}")
    return 0


def run_report_command(args) -> int:
    from batcoder.experiment.report import write_report

    written = write_report(args.run_dirs, args.output or args.run_dirs[0])
    print("report: wrote " + ", ".join(map(str, written)))
    return 0
