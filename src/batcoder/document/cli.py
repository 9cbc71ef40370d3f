"""``batcoder document PATH... --model M``: documentation for a code base, each one verified."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers) -> None:
    from batcoder.config import add_config_flags
    from batcoder.document.pipeline import DocumentConfig

    parser = subparsers.add_parser(
        "document",
        help="write documentation for functions, each verified by reconstructing the code from it",
        description=(
            "For every function under PATH, sample K documentations with the RL code->doc prompt, keep the ones the "
            "documentation filter accepts, let the model reconstruct the code from each (doc->code prompt with the "
            "signature) and keep the documentation whose reconstruction is most similar to the code. It is written "
            "in the language's convention (Python docstring, YARD, Go doc comment, JSDoc, Javadoc) when its score "
            "reaches --min-score. Prints a unified diff by default (nothing on disk changes); --write edits the "
            "files in place; --output writes every result as JSONL. The summary goes to stderr."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="source files or directories")
    parser.add_argument("--model", required=True, help="model directory or hub id that documents and reconstructs")
    parser.add_argument("--language", help="only files of this language (named files are read as this language)")
    parser.add_argument("--only-missing", action="store_true", help="skip functions that already have documentation")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--diff", dest="mode", action="store_const", const="diff", help="print a unified diff (default)")
    mode.add_argument("--write", dest="mode", action="store_const", const="write", help="edit the files in place (atomically)")
    mode.add_argument("--output", metavar="JSONL", help="write every function's result (score, reconstruction) as JSONL")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output file not written by document")
    add_config_flags(parser, DocumentConfig)
    parser.set_defaults(func=_run_command, mode="diff")


def _run_command(args: argparse.Namespace) -> int:
    from batcoder.config import config_from_flags
    from batcoder.document.pipeline import DocumentConfig
    from batcoder.document.run import OUTPUT, Report, run
    from batcoder.document.sources import find_sources, select_targets
    from batcoder.errors import UserError

    config = config_from_flags(DocumentConfig, args)
    mode = OUTPUT if args.output else args.mode
    if args.output:
        from batcoder.outputs import prepare_output

        prepare_output(args.output, "document", inputs=[*args.paths, args.model], overwrite=args.overwrite)
    skipped_files: dict[str, int] = {}
    sources = find_sources(args.paths, args.language, skipped_files)
    skipped: dict[str, int] = {}
    targets, found = select_targets(sources, only_missing=args.only_missing, max_code_chars=config.max_code_chars, skipped=skipped)
    if targets:
        from batcoder.generation import load_generation_backend

        backend, tokenizer = load_generation_backend(args.model, config.device, config.batch_size)
        try:
            report = run(backend, tokenizer, targets, config, mode=mode, output=args.output)
        except BrokenPipeError:  # ``batcoder document src | head``: the diff's reader has gone
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            raise UserError("stdout was closed before the diff was complete; stopped") from None
    else:
        report = Report()  # nothing to document: the model is not even loaded
    print_summary(report, files=len(sources), skipped_files=skipped_files, found=found, skipped=skipped, config=config, mode=mode, output=args.output)
    if report.unwritten:
        more = f" (and {len(report.unwritten) - 1} more files)" if len(report.unwritten) > 1 else ""
        raise UserError(report.unwritten[0] + more)
    return 0


def print_summary(report, *, files: int, skipped_files: dict, found: int, skipped: dict, config, mode: str, output) -> None:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from batcoder.document.run import BELOW_THRESHOLD, DIFF, DOCUMENTED, NOT_PLACED, OUTPUT, REJECTED, WRITE
    from batcoder.sft import format_counts

    rejections: dict[str, int] = {}
    for outcome, _ in report.outcomes:
        for reason, number in outcome.rejections.items():
            rejections[reason] = rejections.get(reason, 0) + number
    files_changed = len(report.files_changed)
    documented_where = {
        WRITE: f"written into {files_changed} files",
        DIFF: f"in the diff of {files_changed} files; nothing written",
        OUTPUT: f"recorded in {output}; no source file changed",
    }[mode]
    table = Table(title="batcoder document", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row("files", str(files), format_counts(skipped_files) and f"skipped: {format_counts(skipped_files)}")
    table.add_row("functions found", str(found), "")
    table.add_row("skipped", str(sum(skipped.values())), format_counts(skipped))
    table.add_row("no documentation accepted", str(report.count(REJECTED)),
                  f"all {config.k} samples rejected; reasons: {format_counts(rejections)}" if rejections else "")
    table.add_row(f"below threshold (S < {config.min_score:g})", str(report.count(BELOW_THRESHOLD)), "")
    if report.count(NOT_PLACED):
        table.add_row("not placed", str(report.count(NOT_PLACED)), "the edit would have changed more than documentation")
    table.add_row("documented", str(report.count(DOCUMENTED)), documented_where)
    scores = report.scores()
    if scores:
        low, q1, median, q3, high = np.percentile(scores, [0, 25, 50, 75, 100])
        table.add_row(f"score S ({config.metric})", f"{np.mean(scores):.3f} ± {np.std(scores):.3f}",
                      f"mean ± std of {len(scores)}; min {low:.2f}, q1 {q1:.2f}, median {median:.2f}, q3 {q3:.2f}, max {high:.2f}")
    else:
        table.add_row(f"score S ({config.metric})", "-", "no function got an accepted documentation")
    Console(stderr=True).print(table)
