"""Functions to train on, from corpus rows: the one place that turns a row into comment-free code.

corpus row → its language plug-in → comments and docstrings stripped (the policy must never see the
original documentation) → (when asked) its first function definition and signature → or a counted
skip. ``batcoder train``, ``batcoder sft`` and ``batcoder synthesize`` all read their functions here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from batcoder.errors import UserError


@dataclass(frozen=True)
class CodeFunction:
    """A function to train on: its comment-free code (shown to the policy, and the reference of a
    reconstruction) and, for prompts that give it, its signature."""

    code: str
    language: str
    signature: str | None = None
    name: str = ""


def corpus_functions(
    rows: Iterable[dict], skipped: dict[str, int], *, max_code_chars: int | None = None, require_definition: bool = False
) -> Iterator[tuple[dict, CodeFunction]]:
    """``(row, function)`` for every usable row; the others are counted in ``skipped`` by reason
    (unknown language, longer than max_code_chars, empty code, no function definition)."""
    from batcoder.languages import available_languages, get_language

    known = set(available_languages())

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    for row in rows:
        if row.get("language") not in known:
            skip("unknown language")
            continue
        if max_code_chars is not None and len(row["code"]) > max_code_chars:
            skip("longer than max_code_chars")
            continue
        language = get_language(row["language"])
        code = language.strip_comments(row["code"]).strip("\n")
        if not code:
            skip("empty code")
            continue
        signature = None
        if require_definition:
            definitions = language.functions(code)
            if not definitions:
                skip("no function definition")
                continue
            signature = definitions[0].signature
        yield row, CodeFunction(code=code, language=row["language"], signature=signature, name=row.get("name", ""))


def load_functions(config, *, held_out: bool = False) -> tuple[list[CodeFunction], int]:
    """The functions of ``config.data`` to train on (or, with ``held_out``, to evaluate on) and how
    many rows were skipped; a missing corpus or one without usable functions is a UserError naming
    the key."""
    from batcoder.data import read_corpus

    data = config.data
    key, corpus = ("data.eval_corpus", data.eval_corpus or data.corpus) if held_out else ("data.corpus", data.corpus)
    split, limit = (data.eval_split, data.eval_functions) if held_out else (data.split, data.max_functions)
    path = Path(corpus)
    if not path.is_file():
        raise UserError(f"config key '{key}': {path} does not exist (build one with `batcoder data build`)")
    rows = (
        row for row in read_corpus(path)
        if row.get("split", "train") == split and (not data.language or row.get("language") == data.language)
    )
    skipped: dict[str, int] = {}
    functions = []
    for _, function in corpus_functions(rows, skipped, max_code_chars=data.max_code_chars, require_definition=True):
        functions.append(function)
        if limit and len(functions) >= limit:
            break
    if not functions:
        raise UserError(
            f"config key '{key}': no usable functions in {path} (split={split!r}, "
            f"language={data.language!r}, {sum(skipped.values())} skipped)"
        )
    return functions, sum(skipped.values())
