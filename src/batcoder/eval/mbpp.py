"""MBPP (Austin et al. 2021): crowd-sourced Python problems, configs ``full`` (test split: 500 tasks) and
``sanitized`` (257), from the hub dataset ``google-research-datasets/mbpp`` or a local JSONL in its schema.

The two configs name their fields differently: ``full`` has ``text`` and ``test_setup_code``,
``sanitized`` has ``prompt`` and ``test_imports``. The prompt is the InCoder/bigcode-evaluation-harness
one (the description and the first test in a docstring); the program is the completion, then the test
setup (imports), then the ``test_list`` asserts.
"""

from __future__ import annotations

from typing import Iterator

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem, file_rows, hub_rows, require

HUB_ID = "google-research-datasets/mbpp"
CONFIGS = ("full", "sanitized")
# The hub's splits by task id (both configs; sanitized holds a subset of each). A local file of the
# original release (all 974 problems) is split the same way; "all" keeps every row of a local file.
SPLITS = {"prompt": range(1, 11), "test": range(11, 511), "validation": range(511, 601), "train": range(601, 975)}
# bigcode-evaluation-harness's stop words for MBPP: the completion is a whole function.
STOP_SEQUENCES = ("\nclass", "\nassert", '\n"""', "\nprint", "\nif", "\n<|/", "\n```")


def mbpp_prompt(description: str, first_test: str) -> str:
    return f'"""\n{description}\n{first_test}\n"""\n'


class MBPP(Benchmark):
    name = "mbpp"
    default_timeout_s = 3.0

    def __init__(self, config=None, data_file=None, split: str = "test"):
        config = config or "full"
        if config not in CONFIGS:
            raise BenchmarkDataError(f"unknown mbpp config {config!r}; available: {', '.join(CONFIGS)}")
        choices = [*SPLITS, "all"] if data_file else list(SPLITS)
        if split not in choices:
            raise BenchmarkDataError(f"unknown mbpp split {split!r}; choose one of {', '.join(choices)}")
        super().__init__(config, data_file, split)

    @property
    def spec(self) -> str:
        return "mbpp" if self.config == "full" else f"mbpp:{self.config}"

    def load(self) -> Iterator[Problem]:
        if self.data_file is None:
            yield from self._problems_of(hub_rows(HUB_ID, self.config, self.split))
            return
        problems = list(self._problems_of(file_rows(self.data_file)))
        if self.split == "all":
            yield from problems
            return
        kept = [problem for problem in problems if _split_of(problem.task_id) == self.split]
        if problems and not kept:
            found = sorted({_split_of(problem.task_id) for problem in problems} - {None})
            ids = SPLITS[self.split]
            hint = f"its tasks are in split {', '.join(found)}: pass --split {found[0]} or --split all" if found else (
                "its task ids are none of MBPP's: pass --split all")
            raise BenchmarkDataError(
                f"{self.data_file}: no task of MBPP's {self.split} split (task ids {ids.start}-{ids.stop - 1}); {hint}"
            )
        yield from kept

    def _problems_of(self, rows) -> Iterator[Problem]:
        description_key, setup_key = ("text", "test_setup_code") if self.config == "full" else ("prompt", "test_imports")
        other_config, other_key = ("sanitized", "prompt") if self.config == "full" else ("full", "text")
        for where, row in rows:
            if description_key not in row and other_key in row:
                raise BenchmarkDataError(
                    f"{where}: missing key {description_key!r} (the row is in MBPP's {other_config} schema: "
                    f"use --benchmark {'mbpp' if other_config == 'full' else 'mbpp:sanitized'})"
                )
            description = require(row, description_key, where)
            tests = require(row, "test_list", where, list)
            if not tests or not all(isinstance(test, str) for test in tests):
                raise BenchmarkDataError(f"{where}: key 'test_list' must be a non-empty list of strings")
            setup = require(row, setup_key, where, (str, list))
            yield Problem(
                task_id=str(require(row, "task_id", where, (int, str))),
                prompt=mbpp_prompt(description, tests[0]),
                language="python",
                tests="\n".join(tests),
                stop_sequences=STOP_SEQUENCES,
                canonical_solution=row.get("code"),
                extra={"test_setup": setup if isinstance(setup, str) else "\n".join(setup)},
            )

    def program(self, problem: Problem, completion: str) -> str:
        return completion + "\n" + problem.extra["test_setup"] + "\n" + problem.tests + "\n"


def _split_of(task_id: str) -> str | None:
    number = int(task_id) if task_id.isdigit() else None
    return next((name for name, ids in SPLITS.items() if number in ids), None)

    def completion_from_solution(self, problem: Problem, solution: str) -> str:
        return solution  # the program does not include the prompt: the completion is the whole solution


BENCHMARK = MBPP
