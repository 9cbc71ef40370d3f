"""A world benchmark whose documentation is the model's own: does writing code from the model's own
documentation (what back-translation RL and SFT on synthetic pairs train) carry over to the reference
documentation the benchmark asks with? (docs/experiments.md, "Own documentation or the reference's")

    PYTHONPATH=src python bench/own_docs_benchmark.py --model MODEL \
        --benchmark runs/world-fresh/benchmark-ruby.jsonl --output runs/probe/own-docs-ruby.jsonl --limit 32

The model documents each problem's reference solution (signature + canonical solution) with the RL's
code->doc request, greedy, as `batcoder synthesize` does; the documentation the format filter accepts
(rewritten as the filter rewrites it) replaces the problem's ``documentation`` and its prompt's comment
block; tests, signature and solution are unchanged. Evaluate the written file with the same
`batcoder evaluate` command as the benchmark (``--benchmark world:ruby --data OUTPUT``): the two pass@k
differ only in whose documentation the code is written from. A problem whose documentation the filter
rejects keeps the rejected text (counted and printed).

``--document-from runs/world-fresh/benchmark-ruby.jsonl --benchmark runs/world-fresh/benchmark-python.jsonl``
asks the Python problems with the model's documentation of the *Ruby* solutions (the two files must hold
the same problems in the same order, ``World_<i>``): written in the language the model writes best, the code tests whether that documentation
says what the Ruby code does.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COMMENT = {"rb": "#", "go": "//"}
LANGUAGE = {"rb": "ruby", "go": "go"}


def key(row: dict) -> str:
    """``World_<i>``: the problem, whatever the row's schema (HumanEval ``task_id``, MultiPL-E ``name``)."""
    return "_".join(str(row.get("name") or row["task_id"]).split("_")[:2])


def language_of(row: dict) -> str:
    return LANGUAGE[row["language"]] if "language" in row else "python"  # HumanEval-schema rows are Python


def signature_lines(row: dict) -> str:
    """The prompt without its documentation: the signature line(s)."""
    if language_of(row) == "python":
        return row["prompt"].split('"""')[0].rstrip() + "\n"
    return "".join(line for line in row["prompt"].splitlines(keepends=True) if not line.startswith(COMMENT[row["language"]]))


def with_documentation(row: dict, documentation: str) -> dict:
    """``row`` asking with ``documentation``: its field, and its prompt's docstring or comment block."""
    if language_of(row) == "python":
        body = "\n".join(f"    {line}".rstrip() for line in documentation.splitlines()).lstrip()
        prompt = f'{signature_lines(row)}    """{body}\n    """\n'
    else:
        marker = COMMENT[row["language"]]
        prompt = "".join(f"{marker} {line}".rstrip() + "\n" for line in documentation.splitlines()) + signature_lines(row)
    return {**row, "documentation": documentation, "prompt": prompt}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--benchmark", type=Path, required=True, help="a world benchmark JSONL (batcoder world build)")
    parser.add_argument("--document-from", type=Path, help="the benchmark JSONL whose solutions are documented (default: --benchmark)")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--limit", type=int, help="the first N problems")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="documentation tokens (the RL's max_doc_tokens)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    from batcoder import docfilter, prompts
    from batcoder.data.jsonl import atomic_output
    from batcoder.eval.base import read_jsonl_rows
    from batcoder.generation import load_generation_backend
    from batcoder.models import render_prompt

    def read(path: Path) -> list[dict]:
        rows = [row for _, row in read_jsonl_rows(path)]
        return rows[: args.limit] if args.limit else rows

    asked = read(args.benchmark)
    rows = read(args.document_from) if args.document_from else asked
    if [key(row) for row in rows] != [key(row) for row in asked]:
        raise SystemExit(f"{args.document_from}: its problems are not those of {args.benchmark}, in the same order")
    backend, tokenizer = load_generation_backend(args.model, args.device, 16)
    codes = [signature_lines(row) + row["canonical_solution"].rstrip("\n") for row in rows]
    language = language_of(rows[0])
    requests = [render_prompt(tokenizer, prompts.code_to_doc_messages(code, language)) for code in codes]
    completions = backend.generate(requests, n=1, max_new_tokens=args.max_new_tokens, temperature=0.0, top_p=1.0, seed=0)
    rejected = 0
    with atomic_output(args.output) as out:
        for row, code, (completion,) in zip(asked, codes, completions):
            check = docfilter.check(completion.text, code, language)
            rejected += not check.valid
            documentation = check.doc if check.valid else completion.text.strip()
            out.write(json.dumps(with_documentation(row, documentation)) + "\n")
    print(f"wrote {len(rows)} problems to {args.output} with the model's own documentation "
          f"({len(rows) - rejected} accepted by the format filter, {rejected} rejected and kept as written)")


if __name__ == "__main__":
    main()
