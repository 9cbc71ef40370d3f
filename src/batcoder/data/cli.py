"""``batcoder data build``: the command-line face of :func:`batcoder.data.build_corpus`."""

from __future__ import annotations

import argparse
import signal
import sys


def register(subparsers) -> None:
    data = subparsers.add_parser("data", help="build unlabeled-code corpora")
    commands = data.add_subparsers(dest="data_command", required=True)
    build = commands.add_parser(
        "build",
        help="extract, clean, deduplicate and decontaminate functions into a JSONL corpus",
        description="Build a function-level corpus. SOURCE: a directory, file, glob, JSONL/parquet file, saved "
        "dataset folder or Hugging Face dataset id; none = the language's standard library (python, ruby, go). "
        "Statistics are printed and saved to <output stem>.stats.json.",
    )
    build.add_argument("sources", nargs="*", metavar="SOURCE")
    build.add_argument("--language", "-l", required=True, help="language of the functions to extract")
    build.add_argument("--output", "-o", required=True, help="corpus JSONL file to write")
    build.add_argument("--field", help="data-row field holding code (default: first of code, original_string, "
                       "func_code_string, whole_func_string, content)")
    build.add_argument("--dataset-split", default="train", help="split of a dataset source (default: train)")
    build.add_argument("--dataset-config", help="configuration name of a Hugging Face dataset")
    build.add_argument("--valid-fraction", type=float, default=0.02, help="share of functions in the valid split")
    build.add_argument("--no-tests", action="store_true", help="drop test functions (test files, dirs and names)")
    build.add_argument("--keep-nested", action="store_true", help="keep functions defined inside functions")
    build.add_argument("--min-lines", type=int, default=3)
    build.add_argument("--max-lines", type=int, default=60)
    build.add_argument("--min-chars", type=int, default=30)
    build.add_argument("--max-chars", type=int, default=4000)
    build.add_argument("--near-dup-threshold", type=float, default=0.85,
                       help="MinHash Jaccard similarity (token 5-grams) at which functions are near duplicates")
    build.add_argument("--decontaminate", nargs="+", default=[], metavar="FILE",
                       help="MBPP / MultiPL-E JSONL files to decontaminate against (HumanEval always is)")
    build.add_argument("--contamination-overlap", type=float, default=0.5,
                       help="share of a function's token 10-grams found in a benchmark that removes it")
    build.add_argument("--max-file-bytes", type=int, default=1_000_000, help="skip larger source files")
    build.add_argument("--max-line-chars", type=int, default=10_000,
                       help="skip files with a longer line (tree-sitter slows down with the square of a line's length)")
    build.add_argument("--max-nodes", type=int, default=1_000_000, help="skip files whose syntax tree has more nodes")
    build.add_argument("--parse-timeout", type=float, default=30.0, help="skip files that take longer to process (seconds)")
    build.add_argument("--max-documents", type=int, help="read at most this many files/rows (streams large datasets)")
    build.add_argument("--skip-bad", action="store_true", help="count malformed data rows instead of failing")
    build.add_argument("--workers", type=int, default=0, help="parser processes (0: one per CPU core; 1: parse in this process, which a signal interrupts only between tree-sitter calls)")
    build.add_argument("--verbose", "-v", action="store_true", help="name the first skipped files per reason")
    build.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    build.add_argument("--overwrite", action="store_true", help="replace an output file not written by data build")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    from batcoder.data.build import CorpusConfig, build_corpus, stats_path
    from batcoder.data.extract import ParseLimits
    from batcoder.data.filters import FunctionFilters
    from batcoder.data.sources import SourceOptions

    config = CorpusConfig(
        language=args.language,
        filters=FunctionFilters(
            min_lines=args.min_lines,
            max_lines=args.max_lines,
            min_chars=args.min_chars,
            max_chars=args.max_chars,
            drop_tests=args.no_tests,
        ),
        sources=SourceOptions(
            field=args.field,
            max_file_bytes=args.max_file_bytes,
            skip_bad=args.skip_bad,
            dataset_split=args.dataset_split,
            dataset_config=args.dataset_config,
        ),
        limits=ParseLimits(max_line_chars=args.max_line_chars, max_nodes=args.max_nodes, timeout_s=args.parse_timeout),
        keep_nested=args.keep_nested,
        near_duplicate_threshold=args.near_dup_threshold,
        decontaminate=tuple(args.decontaminate),
        contamination_overlap=args.contamination_overlap,
        valid_fraction=args.valid_fraction,
        max_documents=args.max_documents,
        workers=args.workers,
        progress=not args.quiet,
    )
    # SIGTERM unwinds like Ctrl-C does, so the temporary output is removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    stats = build_corpus(args.sources, args.output, config, overwrite=args.overwrite)
    print_stats(stats, verbose=args.verbose)
    print(f"wrote {stats.kept} functions to {args.output} (statistics: {stats_path(args.output)})")
    return 0


def print_stats(stats, verbose: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{stats.language} corpus from {', '.join(stats.sources)}", title_justify="left")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for reason, count in stats.skipped.items():
        table.add_row(f"skipped: {reason}", str(count))
    table.add_row("documents parsed (files or rows)", str(stats.parsed))
    table.add_row("  with syntax errors (valid functions kept)", str(stats.syntax_error_documents))
    table.add_row("functions found", str(stats.functions_found))
    for reason, count in stats.removed.items():
        table.add_row(f"  removed: {reason}", str(count))
    table.add_row("kept", f"[bold]{stats.kept}[/bold] (train {stats.train}, valid {stats.valid})")
    table.add_row("seconds", f"{stats.seconds:.1f}")
    console = Console(file=sys.stdout)
    console.print(table)
    if verbose:
        for reason, examples in stats.skipped_examples.items():
            console.print(f"skipped ({reason}): " + ", ".join(examples), markup=False)
