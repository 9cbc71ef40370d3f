"""What every benchmark provides: its problems and how a completion becomes a complete program.

A benchmark module (``batcoder/eval/<name>.py``) defines one :class:`Benchmark` subclass and exposes
it as ``BENCHMARK``; :func:`batcoder.eval.get_benchmark` finds it by its ``name``. The program text a
benchmark builds is exactly what its official harness runs; the sandbox adds the pass marker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from batcoder.data.jsonl import read_json_rows


class BenchmarkDataError(ValueError):
    """A benchmark file or dataset row is missing a field or is malformed (message names file:line/key)."""


@dataclass(frozen=True)
class Problem:
    """One benchmark problem."""

    task_id: str  # the id samples refer to (always a string; MBPP's integer ids are stringified)
    prompt: str  # what the model completes
    language: str  # batcoder language name the program runs in ("python", "ruby", "go")
    tests: str  # the test code, as the dataset gives it
    entry_point: str | None = None  # name of the function under test, where the dataset names it
    stop_sequences: tuple[str, ...] = ()  # where generation of a completion should stop
    canonical_solution: str | None = None  # a reference completion, where the dataset has one
    extra: dict[str, Any] = field(default_factory=dict)  # other fields the program assembly needs


class Benchmark:
    """Base class. Subclasses set ``name``/``default_timeout_s`` and implement the two methods below."""

    name: str  # spec prefix: "humaneval", "mbpp", "multipl-e"
    default_timeout_s: float  # per-program time limit the official harness uses

    def __init__(self, config: str | None = None, data_file: str | Path | None = None, split: str = "test"):
        self.config = config
        self.data_file = Path(data_file) if data_file is not None else None
        self.split = split  # the dataset split evaluated
        self._problems: dict[str, Problem] | None = None

    @property
    def spec(self) -> str:
        return f"{self.name}:{self.config}" if self.config else self.name

    def problems(self) -> dict[str, Problem]:
        """All problems by task id, loaded once."""
        if self._problems is None:
            problems: dict[str, Problem] = {}
            for problem in self.load():
                if problem.task_id in problems:
                    raise BenchmarkDataError(f"{self.spec}: duplicate task_id {problem.task_id!r}")
                problems[problem.task_id] = problem
            self._problems = problems
        return self._problems

    def load(self) -> Iterator[Problem]:
        """The benchmark's problems, from ``data_file`` when given, otherwise from its usual source."""
        raise NotImplementedError

    def program(self, problem: Problem, completion: str) -> str:
        """The complete program (solution + tests) the official harness runs for ``completion``."""
        raise NotImplementedError

    def without_repeated_prompt(self, problem: Problem, completion: str) -> str | None:
        """``completion`` without the copy of the prompt it starts with (bigcode-evaluation-harness
        writes prompt + generation), or None when it does not start with the prompt."""
        head = problem.prompt.strip()
        body = completion.lstrip()
        if not head or not body.startswith(head):
            return None
        return body[len(head):]

    def completion_from_solution(self, problem: Problem, solution: str) -> str:
        """The completion for which :meth:`program` runs ``solution``, the whole program a chat model
        wrote for ``problem`` (see :meth:`batcoder.languages.Language.complete_open_function`)."""
        from batcoder.languages import get_language

        return get_language(problem.language).complete_open_function(problem.prompt, solution)


def read_jsonl_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each row of a JSONL file or JSON array (``.gz`` too); a malformed line or
    row raises an error naming path:line."""
    return read_json_rows(path, BenchmarkDataError)


def require(row: dict, key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    """``row[key]``, checked to be of ``kind``; otherwise an error naming ``where`` and the key."""
    if key not in row:
        raise BenchmarkDataError(f"{where}: missing key {key!r}")
    value = row[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise BenchmarkDataError(f"{where}: key {key!r} must be {names}, got {type(value).__name__}")
    return value


def hub_rows(dataset_id: str, config: str, split: str) -> Iterator[tuple[str, dict]]:
    """(location, row) for each row of a Hugging Face dataset split (from the local cache when offline)."""
    import datasets

    from batcoder.hub import offline_when_unreachable

    try:
        with offline_when_unreachable():
            dataset = datasets.load_dataset(dataset_id, config, split=split)
    except Exception as error:  # datasets raises many types (offline, missing config, ...)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BenchmarkDataError(
            f"cannot load {dataset_id} ({config}, split {split}): {first_line}; "
            "pass a local JSONL in the same schema with --data"
        ) from None
    for index, row in enumerate(dataset):
        yield f"{dataset_id}[{config}/{split}] row {index}", dict(row)


def file_rows(path: Path) -> Iterator[tuple[str, dict]]:
    for line_number, row in read_jsonl_rows(path):
        yield f"{path}:{line_number}", row
