"""The check that no held-out program, nor a renaming of one, is in a training split.

Three independent tests, each counted:

* **skeletons**: no benchmark skeleton (input type + primitives + which constant is the parameter) is a
  training program's;
* **code**: no benchmark rendering equals a training rendering of the same language once names and
  literals are abstracted (identifiers other than the world's fixed vocabulary of keywords and library
  calls become ``ID``, numbers and strings ``LIT``), read from the code text itself;
* **behaviour**: no training program computes the same outputs as a benchmark program of the same
  signature on the probe inputs (recomputed here by running the Python renderings).
"""

from __future__ import annotations

import re
from functools import cache

from batcoder.world.generate import World, fingerprint
from batcoder.world.primitives import PRIMITIVES
from batcoder.world.program import LANGUAGES, render

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\d+|[A-Za-z_]\w*[?!]?|:=|==|!=|<=|>=|\+=|-=|\S')
_PLACEHOLDER = re.compile(r"\{(?:src|dst|c2|c|v|t|h)\}")
_SIGNATURE_WORDS = {"def", "func", "return", "end", "int", "list", "str", "string", "lambda", "call", "bool", "true",
                    "false", "for", "in", "if", "else", "range"}


@cache
def _vocabulary() -> frozenset[str]:
    """Identifiers the world's templates write themselves (keywords, library calls): never names."""
    words = set(_SIGNATURE_WORDS)
    for primitive in PRIMITIVES:
        for language in LANGUAGES:
            for helper in (False, True):
                template = _PLACEHOLDER.sub(" ", primitive.code(language, helper))
                words.update(token for token in _TOKEN.findall(template) if token[0].isalpha() or token[0] == "_")
    return frozenset(words - {"i", "j", "w", "ch", "d", "a", "b", "_"} | {"_"})


def canonical_code(code: str) -> str:
    """``code`` with names and literals abstracted (a renaming or other constants give the same text)."""
    vocabulary = _vocabulary()
    out = []
    for token in _TOKEN.findall(code):
        if token[0] == '"' or token[0].isdigit():
            out.append("LIT")
        elif (token[0].isalpha() or token[0] == "_") and token not in vocabulary:
            out.append("ID")
        else:
            out.append(token)
    return " ".join(out)


def check(world: World) -> dict:
    """Counts of benchmark programs found in a training split by each test (all 0 when clean)."""
    training = list(world.rl) + [item for items in world.pretrain.values() for item in items]
    benchmark_skeletons = {item.program.skeleton for item in world.benchmark}
    benchmark_code = {(language, canonical_code(render(item.program, language)))
                      for item in world.benchmark for language in LANGUAGES}
    benchmark_behaviour = {fingerprint(item.program, world.config.seed) for item in world.benchmark}
    return {
        "training_programs": len(training),
        "benchmark_programs": len(world.benchmark),
        "same_skeleton": sum(item.program.skeleton in benchmark_skeletons for item in training),
        "same_code_renamed": sum((language, canonical_code(render(item.program, language))) in benchmark_code
                                 for item in training for language in LANGUAGES),
        "same_behaviour": sum(fingerprint(item.program, world.config.seed) in benchmark_behaviour for item in training),
    }
