"""Generation throughput of the HF backend on the rollout's real prompts.

    .venv/bin/python bench/generation.py [--model DIR] [--corpus c.jsonl] [--functions 16] [--n 8]
        [--max-new-tokens 128] [--batch-sizes 1 8 32] [--threads 1] [--repeats 2]

Without ``--model`` a default-size tiny model is built from the corpus (a temporary directory);
without ``--corpus`` a small one is built from the Python standard library's ``json`` package.
For each batch size, with and without ``share_prefill`` (each distinct prompt prefilled once for its
``n`` samples), it samples ``n`` code->doc completions per function (temperature 1) and prints
generated tokens per second. A random tiny model
rarely emits EOS, so most completions run to ``--max-new-tokens``: that is the worst case.
The machine may be shared: rerun before drawing conclusions.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import torch

from batcoder import prompts
from batcoder.data import read_corpus
from batcoder.languages import get_language
from batcoder.models import init_tiny, load_model, render_prompt
from batcoder.generation import get_backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model directory (default: a fresh default-size tiny model)")
    parser.add_argument("--corpus", help="corpus JSONL (default: built from the stdlib json package)")
    parser.add_argument("--functions", type=int, default=16, help="functions to document")
    parser.add_argument("--n", type=int, default=8, help="completions per function")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per setting (alternating; best is printed)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(args.corpus) if args.corpus else Path(scratch) / "corpus.jsonl"
        if not args.corpus:
            source = Path(sysconfig.get_paths()["stdlib"]) / "json"
            subprocess.run([sys.executable, "-m", "batcoder.cli", "data", "build", "--language", "python",
                            "--output", str(corpus), "--quiet", str(source)], check=True)
        model_dir = args.model or init_tiny(corpus, Path(scratch) / "tiny")
        model, tokenizer = load_model(model_dir, device="cpu")
        language = get_language("python")
        rows = [row for row in read_corpus(corpus) if row["language"] == "python"][: args.functions]
        prompt_texts = [
            render_prompt(tokenizer, prompts.code_to_doc_messages(language.strip_comments(row["code"]), "python"))
            for row in rows
        ]
        parameters = sum(p.numel() for p in model.parameters()) / 1e6
        print(f"model {model_dir}: {parameters:.1f}M parameters, {args.threads} thread(s); "
              f"{len(prompt_texts)} prompts x n={args.n}, max_new_tokens={args.max_new_tokens}")
        settings = [(batch_size, share) for batch_size in args.batch_sizes for share in (True, False)]
        best: dict[tuple[int, bool], float] = {}
        for _ in range(args.repeats):
            for batch_size, share in settings:
                backend = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=batch_size, share_prefill=share)
                start = time.perf_counter()
                results = backend.generate(prompt_texts, n=args.n, max_new_tokens=args.max_new_tokens, seed=0)
                seconds = time.perf_counter() - start
                best[batch_size, share] = min(seconds, best.get((batch_size, share), float("inf")))
        completions = [completion for group in results for completion in group]
        generated = sum(len(c.completion_ids) for c in completions)
        prompt_tokens = sum(len(c.prompt_ids) for c in completions)
        print(f"{generated} generated tokens, {prompt_tokens} prompt tokens (best of {args.repeats})")
        for (batch_size, share), seconds in best.items():
            print(f"batch_size {batch_size:>3}, share_prefill {str(share):5}: {generated / seconds:8.1f} generated tokens/s ({seconds:.2f} s)")


if __name__ == "__main__":
    main()
