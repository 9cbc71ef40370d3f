"""``batcoder similarity``: score two files, or a JSONL file of pairs."""

from __future__ import annotations

import argparse
from pathlib import Path

COMMAND = "similarity"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "similarity",
        help="similarity of two programs, or of every pair in a JSONL file",
        description=(
            "Score how similar B is to A (1.0: the same program up to names, layout and comments), or "
            "score every row of a JSONL file with fields a, b, language."
        ),
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="A_FILE B_FILE: reference and candidate")
    parser.add_argument("--language", help="language of the two files (default: from A_FILE's extension)")
    parser.add_argument(
        "--metric", default="cssg", help="cssg (default), exact, bleu, chrf, codebleu: any module in similarity/metrics"
    )
    parser.add_argument("--explain", action="store_true", help="show what matched and what did not")
    parser.add_argument("--pairs", type=Path, help="JSONL file of rows with a, b and language")
    parser.add_argument("--output", type=Path, help="where --pairs writes its rows with a score added")
    parser.add_argument("--workers", type=int, default=1, help="processes scoring --pairs (default 1)")
    parser.add_argument("--overwrite", action="store_true", help="replace an --output file not written by similarity")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from batcoder.errors import UserError
    from batcoder.outputs import prepare_output
    from batcoder.similarity import get_metric

    try:
        metric = get_metric(args.metric)
    except ValueError as error:
        raise UserError(str(error)) from None
    if args.pairs is not None:
        if args.files:
            raise UserError("give either A_FILE B_FILE or --pairs, not both")
        if args.output is None:
            raise UserError("--pairs needs --output")
        if args.workers < 1:
            raise UserError(f"--workers must be at least 1, got {args.workers}")
        prepare_output(args.output, COMMAND, inputs=[args.pairs], overwrite=args.overwrite)
        return _score_pairs_file(args.pairs, args.output, metric.name, args.workers)
    if len(args.files) != 2:
        raise UserError("give two files (A_FILE B_FILE) or --pairs PAIRS.jsonl --output OUT.jsonl")
    return _score_files(Path(args.files[0]), Path(args.files[1]), args.language, metric, args.explain)


def _score_files(path_a: Path, path_b: Path, language: str | None, metric, explain: bool) -> int:
    from batcoder.errors import UserError
    from batcoder.languages import get_language, language_for_path
    from batcoder.similarity import similarity

    texts = []
    for path in (path_a, path_b):
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"{path}: cannot read: {error}") from None
    if language is None:
        detected = language_for_path(path_a)
        if detected is None:
            raise UserError(f"{path_a}: cannot tell the language from the extension; pass --language")
        language = detected.name
    try:
        language = get_language(language).name
    except ValueError as error:
        raise UserError(str(error)) from None
    if explain and metric.explain is not None:
        print(metric.explain(texts[0], texts[1], language))
    else:
        print(f"{similarity(texts[0], texts[1], language, metric.name):.6f}")
        if explain:
            print(f"(metric {metric.name} has no explanation; cssg has)")
    return 0


def _read_pairs(path: Path) -> list[dict]:
    from batcoder.data.jsonl import read_json_rows
    from batcoder.errors import UserError
    from batcoder.languages import available_languages

    languages = set(available_languages())
    rows = []
    for number, row in read_json_rows(path, UserError):
        for key in ("a", "b", "language"):
            if not isinstance(row.get(key), str):
                raise UserError(f"{path}:{number}: missing or non-string field {key!r}")
        if row["language"].lower() not in languages:
            available = ", ".join(sorted(languages))
            raise UserError(f"{path}:{number}: unknown language {row['language']!r}; available: {available}")
        rows.append(row)
    return rows


def _score_pairs_file(path: Path, output: Path, metric: str, workers: int) -> int:
    import json
    import time

    from tqdm import tqdm

    from batcoder.errors import UserError
    from batcoder.data.jsonl import atomic_output
    from batcoder.similarity import iter_scores

    rows = _read_pairs(path)
    pairs = [(row["a"], row["b"], row["language"].lower()) for row in rows]
    start = time.perf_counter()
    scores = list(tqdm(iter_scores(pairs, metric, workers), total=len(pairs), desc="scoring", unit="pair"))
    elapsed = time.perf_counter() - start
    try:
        with atomic_output(output, COMMAND) as out:
            for row, score in zip(rows, scores):
                out.write(json.dumps({**row, "score": score}, ensure_ascii=False) + "\n")
    except OSError as error:
        raise UserError(f"{output}: cannot write: {error}") from None
    rate = len(pairs) / elapsed if elapsed > 0 else float("inf")
    print(f"scored {len(pairs)} pairs with {metric} in {elapsed:.2f}s ({rate:.0f} pairs/s) -> {output}")
    return 0
