"""``batcoder world build``: write a code world (corpora and benchmark) to a directory."""

from __future__ import annotations

from pathlib import Path

from batcoder.world.generate import COUNTS


def register(subparsers) -> None:
    parser = subparsers.add_parser("world", help="the procedurally generated code world (corpora + benchmark)")
    commands = parser.add_subparsers(dest="world_command", required=True)
    build = commands.add_parser(
        "build",
        help="write pretrain.jsonl, rl.jsonl, benchmark-{python,ruby,go}.jsonl and world.json",
        description="Generate the world of --seed: documented Python and code-only Ruby/Go programs for "
        "pretraining, a code-only RL corpus (all three languages), and held-out benchmark problems "
        "(HumanEval schema for Python, MultiPL-E for Ruby and Go), checked for contamination.",
    )
    build.add_argument("--seed", type=int, default=None, help="world seed (default: the documented world's)")
    build.add_argument("--output", type=Path, required=True, help="directory to write into")
    build.add_argument("--size", choices=("tiny", "small", "default", "large"), default="default",
                       help="preset program counts (see docs/world.md)")
    for name in COUNTS:
        build.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"override the preset's number of {name.replace('_', ' ')} programs")
    build.set_defaults(func=run_build)


def run_build(args) -> int:
    from batcoder.errors import UserError
    from batcoder.world import DEFAULT_SEED, WorldConfig, build_world

    sizes = {}
    for name in COUNTS:
        value = getattr(args, name)
        if value is not None:
            if value < 0:
                raise UserError(f"--{name.replace('_', '-')} must be >= 0, got {value}")
            sizes[name] = value
    try:
        summary = build_world(args.output, args.seed if args.seed is not None else DEFAULT_SEED, args.size, **sizes)
    except FileExistsError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"cannot write {args.output}: {error.strerror or error}") from None
    rows = ", ".join(f"{name} {count}" for name, count in summary["rows"].items())
    print(f"world seed {summary['seed']}: wrote {args.output} ({rows}); contamination: {summary['decontamination']}")
    return 0
