"""Benchmarks and pass@k evaluation.

Every module in this package that defines ``BENCHMARK`` (a :class:`Benchmark` subclass) is a benchmark,
selected by a spec string: its name, optionally followed by ``:config`` (``mbpp:sanitized``,
``multipl-e:humaneval-rb``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem
from batcoder.eval.passk import mean_pass_at_k, pass_at_k
from batcoder.registry import discover, unknown_choice


@cache
def _registry() -> dict[str, type[Benchmark]]:
    return discover(__name__, "BENCHMARK", lambda benchmark: isinstance(benchmark, type) and issubclass(benchmark, Benchmark))


def available_benchmarks() -> list[str]:
    return sorted(_registry())


def get_benchmark(spec: str, data_file: str | Path | None = None, split: str | None = None) -> Benchmark:
    """The benchmark a spec names (``name`` or ``name:config``), reading ``data_file`` if given, its
    ``split`` (default: test)."""
    name, _, config = spec.strip().partition(":")
    benchmark = _registry().get(name.lower())
    if benchmark is None:
        raise BenchmarkDataError(unknown_choice("benchmark", spec, available_benchmarks()))
    return benchmark(config or None, data_file, **({"split": split} if split is not None else {}))


__all__ = [
    "Benchmark",
    "BenchmarkDataError",
    "Problem",
    "available_benchmarks",
    "get_benchmark",
    "mean_pass_at_k",
    "pass_at_k",
]
