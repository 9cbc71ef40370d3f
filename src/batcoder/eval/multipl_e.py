"""MultiPL-E (Cassano et al. 2022): HumanEval and MBPP translated to other languages, from the hub dataset
``nuprl/MultiPL-E`` (configs ``humaneval-rb``, ``mbpp-go``, ...) or a local JSONL in its schema
(name, language, prompt, tests, stop_tokens).

The program is MultiPL-E's: prompt + completion + "\\n" + tests. Go problems are ``go test`` files
(their language is ``go_test.go`` in the dataset); the Go runtime names the file ``*_test.go``.
"""

from __future__ import annotations

from typing import Iterator

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem, file_rows, hub_rows, require

HUB_ID = "nuprl/MultiPL-E"
# MultiPL-E's language field -> batcoder language name, for the languages the sandbox has runners for.
LANGUAGES = {
    "py": "python",
    "python": "python",
    "rb": "ruby",
    "go_test.go": "go",
    "go": "go",
}


def problem_from_row(row: dict, where: str) -> Problem:
    """A problem from a row in MultiPL-E's schema (name, language, prompt, tests, stop_tokens; a
    canonical_solution where the row has one)."""
    dataset_language = require(row, "language", where)
    language = LANGUAGES.get(dataset_language)
    if language is None:
        raise BenchmarkDataError(
            f"{where}: language {dataset_language!r} has no batcoder runtime; supported: {', '.join(sorted(LANGUAGES))}"
        )
    return Problem(
        task_id=require(row, "name", where),
        prompt=require(row, "prompt", where),
        language=language,
        tests=require(row, "tests", where),
        stop_sequences=tuple(require(row, "stop_tokens", where, list)),
        canonical_solution=row.get("canonical_solution"),
    )


class MultiPLE(Benchmark):
    name = "multipl-e"
    default_timeout_s = 15.0  # MultiPL-E's per-program limit; Go compiles before it tests

    def __init__(self, config=None, data_file=None, split: str = "test"):
        if config is None and data_file is None:
            raise BenchmarkDataError(
                "multipl-e needs a config, e.g. multipl-e:humaneval-rb, or a local file with --data"
            )
        super().__init__(config, data_file)
        self.split = split

    def load(self) -> Iterator[Problem]:
        rows = file_rows(self.data_file) if self.data_file else hub_rows(HUB_ID, self.config, self.split)
        for where, row in rows:
            yield problem_from_row(row, where)

    def program(self, problem: Problem, completion: str) -> str:
        return problem.prompt + completion + "\n" + problem.tests


BENCHMARK = MultiPLE
