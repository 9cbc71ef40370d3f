"""Plug-in discovery, the same way for every plug-in folder: each module of a package that defines
a module-level ``ATTRIBUTE`` (``LANGUAGE``, ``METRIC``, ``BENCHMARK``, ``ENGINE``, ...) adds that
object under its ``name``. Adding a plug-in is adding one file."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable


def discover(package: str, attribute: str, accept: Callable[[object], bool]) -> dict[str, object]:
    """``{obj.name: obj}`` for every module ``package.<module>`` whose ``attribute`` passes ``accept``.

    Modules whose names start with ``_`` are skipped (helpers, not plug-ins).
    """
    module = importlib.import_module(package)
    found: dict[str, object] = {}
    for info in pkgutil.iter_modules(module.__path__):
        if info.name.startswith("_"):
            continue
        candidate = getattr(importlib.import_module(f"{package}.{info.name}"), attribute, None)
        if candidate is not None and accept(candidate):
            found[candidate.name] = candidate
    return found


def unknown_choice(kind: str, name: str, choices: list[str]) -> str:
    """The one-line message for a registry name that does not exist."""
    return f"unknown {kind} {name!r}; available: {', '.join(sorted(choices))}"
