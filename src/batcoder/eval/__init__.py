"""Benchmarks and pass@k evaluation.

Every module in this package that defines ``BENCHMARK`` (a :class:`Benchmark` subclass) is a benchmark,
selected by a spec string: its name, optionally followed by ``:config`` (``mbpp:sanitized``,
``multipl-e:humaneval-rb``).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from batcoder.eval.base import Benchmark, BenchmarkDataError, Problem
from batcoder.eval.passk import mean_pass_at_k, pass_at_k


@cache
def _registry() -> dict[str, type[Benchmark]]:
    benchmarks = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        benchmark = getattr(module, "BENCHMARK", None)
        if isinstance(benchmark, type) and issubclass(benchmark, Benchmark):
            benchmarks[benchmark.name] = benchmark
    return benchmarks


def available_benchmarks() -> list[str]:
    return sorted(_registry())


def get_benchmark(spec: str, data_file: str | Path | None = None) -> Benchmark:
    """The benchmark a spec names (``name`` or ``name:config``), reading ``data_file`` if given."""
    name, _, config = spec.strip().partition(":")
    benchmark = _registry().get(name.lower())
    if benchmark is None:
        raise BenchmarkDataError(f"unknown benchmark {spec!r}; available: {', '.join(available_benchmarks())}")
    return benchmark(config or None, data_file)


__all__ = [
    "Benchmark",
    "BenchmarkDataError",
    "Problem",
    "available_benchmarks",
    "get_benchmark",
    "mean_pass_at_k",
    "pass_at_k",
]
