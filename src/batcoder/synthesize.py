"""``batcoder synthesize``: the model documents unlabeled functions itself, for the "SFT on synthetic
pairs" baseline the BatCoder paper compares RL with.

For every function of a corpus split, the model writes one documentation with the RL rollout's
code->doc prompt; :func:`batcoder.docfilter.check` keeps the ones the RL reward would accept (in
their rewritten form). The output is a corpus JSONL: each kept row as it was, without the human
``docstring`` (the baseline must not see labels), plus ``documentation`` (the synthetic one, already
in the prompts' format) and ``documentation_score`` (its R_doc). ``batcoder sft --corpus`` on that
file trains the baseline on (documentation, code) pairs in both directions.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from batcoder.config import check_device, setting


@dataclass
class SynthesizeConfig:
    """Settings of ``batcoder synthesize`` (each one is also a flag)."""

    split: str = setting("train", "corpus split to document")
    max_functions: int | None = setting(None, "document at most this many functions", check="positive")
    temperature: float = setting(0.0, "sampling temperature; 0 = greedy", check="non_negative")
    top_p: float = setting(1.0, "nucleus sampling threshold", check="unit_interval")
    max_doc_tokens: int = setting(256, "max new tokens of a documentation", check="positive")
    batch_size: int = setting(16, "prompts per generation call", check="positive")
    seed: int = setting(0, "sampling seed")
    device: str | None = setting(None, "torch device (default: cuda if available, else cpu)")

    def __post_init__(self) -> None:
        check_device(self.device, "config key 'device'")


@dataclass
class SynthesisResult:
    functions: int  # functions documented
    kept: int  # rows written (documentation accepted)
    rejected: dict[str, int]  # documentations rejected, or rows not usable, by reason


def synthesize_documentation(
    backend,
    tokenizer,
    rows,
    output: str | Path,
    *,
    temperature: float = 0.0,
    top_p: float = 1.0,
    max_doc_tokens: int = 256,
    batch_size: int = 16,
    seed: int = 0,
    progress: bool = True,
) -> SynthesisResult:
    """Document ``rows`` (corpus rows) with ``backend`` and write the accepted ones to ``output``;
    ValueError, and ``output`` untouched, when none is accepted."""
    from tqdm.auto import tqdm

    from batcoder import docfilter, prompts
    from batcoder.data.jsonl import atomic_output
    from batcoder.models import render_prompt
    from batcoder.rollout.functions import corpus_functions

    rejected: dict[str, int] = {}
    usable = [(row, function.code) for row, function in corpus_functions(rows, rejected)]
    kept = 0
    with atomic_output(output) as out, tqdm(total=len(usable), desc="synthesize", unit="fn", disable=not progress) as bar:
        for start in range(0, len(usable), batch_size):
            batch = usable[start : start + batch_size]
            texts = [render_prompt(tokenizer, prompts.code_to_doc_messages(code, row["language"])) for row, code in batch]
            completions = backend.generate(
                texts, n=1, max_new_tokens=max_doc_tokens, temperature=temperature, top_p=top_p, seed=seed + start
            )
            for (row, code), (completion,) in zip(batch, completions):
                verdict = docfilter.check(completion.text, code, row["language"])
                if not verdict.valid:
                    rejected[verdict.reason] = rejected.get(verdict.reason, 0) + 1
                    continue
                synthetic = {key: value for key, value in row.items() if key != "docstring"}
                synthetic.update(documentation=verdict.doc, documentation_score=float(verdict.score))
                out.write(json.dumps(synthetic, ensure_ascii=False) + "\n")
                kept += 1
            bar.update(len(batch))
        if not kept:  # raised inside the block: nothing replaces an existing output
            from batcoder.sft import format_counts

            raise ValueError(
                f"the model's documentation of all {len(usable)} functions was rejected "
                f"({format_counts(rejected) or 'no usable functions'}); nothing written"
            )
    return SynthesisResult(functions=len(usable), kept=kept, rejected=rejected)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "synthesize",
        help="the model documents a corpus itself (pairs for the SFT-on-synthetic-pairs baseline)",
        description=(
            "Let a model write one documentation per corpus function with the RL code->doc prompt, keep the ones "
            "the documentation filter accepts, and write them as a corpus JSONL (field 'documentation', human "
            "docstrings dropped) for `batcoder sft`: the paper's SFT-on-synthetic-pairs baseline."
        ),
    )
    from batcoder.config import add_config_flags

    parser.add_argument("--model", required=True, help="model directory or hub id that writes the documentation")
    parser.add_argument("--corpus", required=True, help="corpus JSONL (from `batcoder data build`)")
    parser.add_argument("--output", required=True, help="corpus JSONL to write, with a 'documentation' field")
    parser.add_argument("--config", help="YAML file of the settings below (flags and key=value overrides win)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="setting overrides, e.g. temperature=0.2")
    add_config_flags(parser, SynthesizeConfig)
    parser.set_defaults(func=_run_command)


def _run_command(args: argparse.Namespace) -> int:
    from itertools import islice

    from batcoder.config import config_from_flags
    from batcoder.errors import UserError
    from batcoder.data import read_corpus
    from batcoder.data.errors import CorpusError
    from batcoder.generation import load_generation_backend
    from batcoder.sft import format_counts

    config = config_from_flags(SynthesizeConfig, args, path=args.config, overrides=args.overrides)
    try:
        rows = list(islice(read_corpus(args.corpus, split=config.split), config.max_functions))
    except CorpusError as error:
        raise UserError(str(error)) from None
    if not rows:
        raise UserError(f"{args.corpus}: no rows in split {config.split!r}")
    backend, tokenizer = load_generation_backend(args.model, config.device, config.batch_size)
    try:
        result = synthesize_documentation(
            backend, tokenizer, rows, args.output, temperature=config.temperature, top_p=config.top_p,
            max_doc_tokens=config.max_doc_tokens, batch_size=config.batch_size, seed=config.seed,
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    print(
        f"synthesize: {result.kept} of {result.functions} functions documented "
        f"(rejected: {format_counts(result.rejected) or 'none'}); wrote {args.output}"
    )
    return 0
