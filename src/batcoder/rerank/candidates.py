"""Labelled candidates: solutions to problems with tests, each labelled by sandboxed execution.

A candidates JSONL holds one row per candidate::

    {"task_id": "901", "prompt": "...", "completion": "...", "language": "python", "stop": ["\nassert", ...],
     "passed": false, "result": "failed: AssertionError ...", "failure": "wrong_answer", ...}

(plus ``documentation`` and ``signature`` for problems that have them, e.g. the code world's).

``failure`` is ``null`` for a passing candidate, else one of :data:`FAILURE_KINDS`, read from the
evaluation runner's verdict (:func:`failure_kind`). The rows carry their prompt, so training needs
no benchmark. Pair construction and the per-problem split into mixed / all-pass / all-fail problems
are pure functions here.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from batcoder.errors import UserError

FAILURE_KINDS = ("wrong_answer", "exception", "timeout", "syntax")
REQUIRED_KEYS = {"task_id": str, "prompt": str, "completion": str, "language": str, "passed": bool}
# Python's and Ruby's names for a program that does not parse, Go's compiler's messages for one.
_SYNTAX = re.compile(r"\b(SyntaxError|IndentationError|TabError|syntax error|expected declaration)\b")
# A failed check rather than a crash: Python's assert, Ruby test/unit's and Go testify's reports.
_WRONG_ANSWER = re.compile(r"\b(AssertionError|Failure:|FAIL\b|Error Trace|expected but was)")
# A runner verdict with no stderr line is a test harness that reported its failures on stdout.
_BARE_EXIT = re.compile(r"^failed: \(?(exit status \d+|exited before its tests completed)\)?$")


def failure_kind(result: str, program_parses: bool) -> str | None:
    """``None`` for a passing verdict, else the kind of failure of a runner verdict
    (:func:`batcoder.eval.runner.verdict_text`) for a program that ``program_parses`` or not."""
    if result == "passed":
        return None
    if result.startswith("timed out"):
        return "timeout"
    if not program_parses or _SYNTAX.search(result):
        return "syntax"
    if _WRONG_ANSWER.search(result) or _BARE_EXIT.match(result):
        return "wrong_answer"
    return "exception"


def label_rows(benchmark, rows: Sequence[dict]) -> list[dict]:
    """Runner result rows (``task_id``, ``completion``, ``passed``, ``result``) made into candidate
    rows: the problem's prompt, language, documentation and signature (where it has them) and the
    failure kind added."""
    from batcoder.languages import get_language

    problems = benchmark.problems()
    labelled = []
    for row in rows:
        problem = problems[str(row["task_id"])]
        program = benchmark.program(problem, row["completion"])
        parses = get_language(problem.language).is_valid(program)
        labelled.append({
            **row,
            "task_id": problem.task_id,
            "prompt": problem.prompt,
            "language": problem.language,
            "stop": list(problem.stop_sequences),
            "failure": failure_kind(row["result"], parses),
            "benchmark": benchmark.spec,
            # what poses the problem as a doc -> code request (alignment with rollout.problem_prompt: documentation)
            **{key: problem.extra[key] for key in ("documentation", "signature") if isinstance(problem.extra.get(key), str)},
        })
    return labelled


def read_candidates(path: str | Path) -> list[dict]:
    """Candidate rows of ``path``; a malformed row is a one-line error naming path:line and key."""
    from batcoder.eval.base import BenchmarkDataError, read_jsonl_rows

    path = Path(path)
    rows = []
    try:
        for number, row in read_jsonl_rows(path):
            for key, kind in REQUIRED_KEYS.items():
                if not isinstance(row.get(key), kind):
                    raise UserError(f"{path}:{number}: key {key!r} must be {kind.__name__} (written by `batcoder rerank sample`)")
            rows.append(row)
    except BenchmarkDataError as error:
        raise UserError(str(error)) from None
    if not rows:
        raise UserError(f"{path}: no candidates")
    return rows


def group_by_problem(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows per task id, in first-seen order of problems and rows."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(str(row["task_id"]), []).append(row)
    return groups


@dataclass(frozen=True)
class ProblemCounts:
    """How many problems have both passing and failing candidates, and how many do not."""

    mixed: int  # usable for pairs
    all_pass: int  # kept for pointwise training only
    all_fail: int  # kept for pointwise training only
    candidates: int
    passed: int
    failures: dict  # failure kind -> count

    def as_dict(self) -> dict:
        return {"problems": self.mixed + self.all_pass + self.all_fail, "mixed": self.mixed, "all_pass": self.all_pass,
                "all_fail": self.all_fail, "candidates": self.candidates, "passed": self.passed, "failures": self.failures}


def count_problems(groups: dict[str, list[dict]]) -> ProblemCounts:
    mixed = all_pass = all_fail = 0
    for rows in groups.values():
        passing = sum(bool(row["passed"]) for row in rows)
        if passing == len(rows):
            all_pass += 1
        elif passing == 0:
            all_fail += 1
        else:
            mixed += 1
    rows = [row for group in groups.values() for row in group]
    failures = Counter(row.get("failure") for row in rows if not row["passed"])
    return ProblemCounts(mixed, all_pass, all_fail, len(rows), sum(bool(r["passed"]) for r in rows),
                         dict(sorted(failures.items(), key=lambda item: str(item[0]))))


def make_pairs(labels: Sequence[bool], max_pairs: int | None = None, seed: int = 0) -> list[tuple[int, int]]:
    """``(passing index, failing index)`` for every passing x failing candidate of one problem,
    or ``max_pairs`` of them drawn without replacement (seeded); none when all pass or all fail."""
    passing = [index for index, passed in enumerate(labels) if passed]
    failing = [index for index, passed in enumerate(labels) if not passed]
    pairs = [(good, bad) for good in passing for bad in failing]
    if max_pairs is not None and len(pairs) > max_pairs:
        pairs = sorted(random.Random(seed).sample(pairs, max_pairs))
    return pairs


def is_held_out(task_id: str, fraction: float, salt: str = "rerank") -> bool:
    """Whether a problem falls in the held-out ``fraction`` (a stable hash, so the same problems
    are held out in every run and every round)."""
    digest = hashlib.sha256(f"{salt}:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction
