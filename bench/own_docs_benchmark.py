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
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COMMENT = {"rb": "#", "ruby": "#", "py": "#", "python": "#", "go": "//"}
LANGUAGE = {"rb": "ruby", "py": "python", "go": "go"}


def with_documentation(row: dict, documentation: str) -> dict:
    """``row`` asking with ``documentation``: its field, and the prompt's comment block above the signature."""
    marker = COMMENT[row["language"]]
    code_lines = [line for line in row["prompt"].splitlines(keepends=True) if not line.startswith(marker)]
    comment = "".join(f"{marker} {line}".rstrip() + "\n" for line in documentation.splitlines())
    return {**row, "documentation": documentation, "prompt": comment + "".join(code_lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--benchmark", type=Path, required=True, help="a world benchmark JSONL (batcoder world build)")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--limit", type=int, help="the first N problems")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="documentation tokens (the RL's max_doc_tokens)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    from batcoder import docfilter, prompts
    from batcoder.data.jsonl import atomic_output
    from batcoder.generation import load_generation_backend
    from batcoder.models import render_prompt

    rows = [json.loads(line) for line in args.benchmark.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    backend, tokenizer = load_generation_backend(args.model, args.device, 16)
    codes = []
    for row in rows:
        signature = [line for line in row["prompt"].splitlines() if not line.startswith(COMMENT[row["language"]])]
        codes.append("\n".join(signature).rstrip("\n") + "\n" + row["canonical_solution"].rstrip("\n"))
    language = LANGUAGE.get(rows[0]["language"], rows[0]["language"])
    requests = [render_prompt(tokenizer, prompts.code_to_doc_messages(code, language)) for code in codes]
    completions = backend.generate(requests, n=1, max_new_tokens=args.max_new_tokens, temperature=0.0, top_p=1.0, seed=0)
    rejected = 0
    with atomic_output(args.output) as out:
        for row, code, (completion,) in zip(rows, codes, completions):
            check = docfilter.check(completion.text, code, language)
            rejected += not check.valid
            documentation = check.doc if check.valid else completion.text.strip()
            out.write(json.dumps(with_documentation(row, documentation)) + "\n")
    print(f"wrote {len(rows)} problems to {args.output} with the model's own documentation "
          f"({len(rows) - rejected} accepted by the format filter, {rejected} rejected and kept as written)")


if __name__ == "__main__":
    main()
