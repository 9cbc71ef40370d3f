"""Language registry: every module in this package that defines ``LANGUAGE`` is a supported language."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from batcoder.languages.base import Function, Language, Runtime, SyntaxRoles, node_text, walk


@cache
def _registry() -> dict[str, Language]:
    languages = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        language = getattr(module, "LANGUAGE", None)
        if isinstance(language, Language):
            languages[language.name] = language
    return languages


def available_languages() -> list[str]:
    return sorted(_registry())


def get_language(name: str) -> Language:
    """The registered language called ``name`` (case-insensitive); a clear error otherwise."""
    registry = _registry()
    language = registry.get(name.lower())
    if language is None:
        raise ValueError(f"unknown language {name!r}; available: {', '.join(sorted(registry))}")
    return language


def language_for_path(path: str | Path) -> Language | None:
    suffix = Path(path).suffix.lower()
    for language in _registry().values():
        if suffix in language.extensions:
            return language
    return None


__all__ = [
    "Function",
    "Language",
    "Runtime",
    "SyntaxRoles",
    "available_languages",
    "get_language",
    "language_for_path",
    "node_text",
    "walk",
]
