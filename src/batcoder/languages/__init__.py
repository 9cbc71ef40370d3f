"""Language registry: every module in this package that defines ``LANGUAGE`` is a supported language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles, node_text, walk
from batcoder.registry import discover, unknown_choice


@cache
def _registry() -> dict[str, Language]:
    return discover(__name__, "LANGUAGE", lambda language: isinstance(language, Language))


def available_languages() -> list[str]:
    return sorted(_registry())


def get_language(name: str) -> Language:
    """The registered language called ``name`` (case-insensitive); a clear error otherwise."""
    registry = _registry()
    language = registry.get(name.lower())
    if language is None:
        raise ValueError(unknown_choice("language", name, list(registry)))
    return language


def language_for_path(path: str | Path) -> Language | None:
    suffix = Path(path).suffix.lower()
    for language in _registry().values():
        if suffix in language.extensions:
            return language
    return None


__all__ = [
    "DocSlot",
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
