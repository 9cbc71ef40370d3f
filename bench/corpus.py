"""Time the default (standard-library) corpus build as a user runs it, then check the result.

    .venv/bin/python bench/corpus.py [--language python|ruby|go] [--workers N]

Runs ``batcoder data build --language LANG --output <tmp>`` in a fresh process (interpreter start-up
included), then prints the functions kept, the wall-clock seconds, and how many rows still contain a
comment or a docstring in ``code`` (must be 0). Targets for Python: >= 20,000 functions in <= 180 s.
The machine may be shared: rerun before drawing conclusions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from batcoder.data import read_corpus, stats_path
from batcoder.languages import get_language, walk


def leftover_documentation(rows, language_name: str) -> tuple[int, int]:
    """Rows whose code still has a comment node, and rows whose function still has a docstring."""
    language = get_language(language_name)
    with_comment = with_docstring = 0
    for row in rows:
        tree = language.parse(row["code"])
        with_comment += any(node.type in language.roles.comment for node in walk(tree.root_node))
        with_docstring += any(function.docstring for function in language.functions(row["code"]))
    return with_comment, with_docstring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="python")
    parser.add_argument("--workers", type=int, default=0, help="0: one per CPU core")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "corpus.jsonl"
        command = [
            str(Path(sys.executable).with_name("batcoder")),
            "data", "build", "--language", args.language, "--output", str(output),
            "--workers", str(args.workers), "--quiet",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        stats = json.loads(stats_path(output).read_text())
        rows = list(read_corpus(output))
        with_comment, with_docstring = leftover_documentation(rows, args.language)

    print(f"command: batcoder data build --language {args.language} --output corpus.jsonl --workers {args.workers}")
    print(f"functions kept: {len(rows)} (found {stats['functions_found']} in {stats['documents']} files)")
    print(f"wall-clock seconds: {seconds:.1f}")
    print(f"rows with a comment left in code: {with_comment}")
    print(f"rows with a docstring left in code: {with_docstring}")
    print(f"rows with a docstring field: {sum('docstring' in row for row in rows)}")


if __name__ == "__main__":
    main()
