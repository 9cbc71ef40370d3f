"""Runners: how a complete program in one language is turned into a sandbox job that proves it passed.

A runner receives the plain program text (solution + tests, exactly what the benchmark's official
harness runs) and adds the emission of the run's random marker, so that the marker appears only when
the tests really completed. Each module here exposing ``RUNNER`` is discovered automatically.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from batcoder.sandbox.runners.base import Job, Runner


@cache
def _registry() -> dict[str, Runner]:
    runners = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        runner = getattr(module, "RUNNER", None)
        if isinstance(runner, Runner):
            runners[runner.language] = runner
    return runners


def available_runners() -> list[str]:
    return sorted(_registry())


def get_runner(language: str) -> Runner:
    runner = _registry().get(language.lower())
    if runner is None:
        raise ValueError(f"no sandbox runner for language {language!r}; available: {', '.join(available_runners())}")
    return runner


__all__ = ["Job", "Runner", "available_runners", "get_runner"]
