"""The ``batcoder`` command: a thin dispatcher. Each area registers its own subcommands.

A ``register(subparsers)`` function only declares arguments (no heavy imports) and sets
``func`` on its parser; the function imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from batcoder import __version__
from batcoder.errors import UserError

COMMAND_MODULES = (
    "batcoder.data.cli",  # data build
    "batcoder.similarity.cli",  # similarity
    "batcoder.eval.cli",  # evaluate
    "batcoder.models.cli",  # model init-tiny
    "batcoder.sft",  # sft
    "batcoder.synthesize",  # synthesize
    "batcoder.training.cli",  # train
    "batcoder.world.cli",  # world build
    "batcoder.experiment.cli",  # experiment, report
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="batcoder", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"batcoder {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except UserError as error:
        print(f"batcoder: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("batcoder: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
