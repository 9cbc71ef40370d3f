"""Source files and the functions in them to document.

Paths given on the command line are files or directories (walked in sorted order, hidden
directories, ``node_modules`` and ``__pycache__`` left out); a file is read once, as bytes, and kept
with those bytes so that it is written back only while it still holds them. A path that does not
exist, or a named file whose language is unknown, is a one-line error; a file that cannot be read,
is not UTF-8 or does not parse is a counted skip, as is every function that is not documented
(nested, already documented with ``only_missing``, too long, no place for documentation).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from batcoder.errors import UserError
from batcoder.languages import Function, Language, available_languages, get_language, language_for_path

_SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__"})


@dataclass(frozen=True)
class SourceFile:
    path: Path  # as given or found (messages, diffs)
    real_path: Path  # symbolic links resolved: the file that is written
    language: Language
    data: bytes  # the file's content when it was read (UTF-8)
    mode: int  # its permission bits, kept when it is rewritten

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass(frozen=True)
class Target:
    """A function to document: where it is, and the comment-free code the model sees."""

    source: SourceFile
    index: int  # position in ``source.language.functions(source.text)``
    function: Function
    code: str  # comment- and docstring-free (the prompt's code and the reconstruction's reference)
    signature: str  # given to the doc→code prompt


def count(counts: dict[str, int], reason: str) -> None:
    counts[reason] = counts.get(reason, 0) + 1


def find_sources(paths: Iterable[str], language: str | None, skipped: dict[str, int]) -> list[SourceFile]:
    """The readable, parseable source files under ``paths`` (only ``language``'s when given), each once."""
    forced = _language(language) if language else None
    sources: list[SourceFile] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = [(file, _language_of(file, forced)) for file in _walk(path)]
            candidates = [(file, found) for file, found in candidates if found is not None]
        elif path.is_file():
            found = forced or language_for_path(path)
            if found is None:
                raise UserError(
                    f"{path}: not a file of a supported language ({', '.join(available_languages())}); "
                    "name its language with --language"
                )
            candidates = [(path, found)]
        else:
            raise UserError(f"{path}: no such file or directory")
        for file, file_language in candidates:
            real_path = file.resolve()
            if real_path in seen:
                continue
            seen.add(real_path)
            source = _read(file, real_path, file_language, skipped)
            if source is not None:
                sources.append(source)
    return sources


def _language(name: str) -> Language:
    try:
        return get_language(name)
    except ValueError as error:
        raise UserError(f"--language: {error}") from None


def _language_of(path: Path, forced: Language | None) -> Language | None:
    found = language_for_path(path)
    return found if forced is None or found is forced else None


def _walk(directory: Path) -> list[Path]:
    files = []
    for root, directories, names in os.walk(directory):
        directories[:] = sorted(d for d in directories if not d.startswith(".") and d not in _SKIPPED_DIRECTORIES)
        files.extend(Path(root) / name for name in sorted(names) if not name.startswith("."))
    return files


def _read(path: Path, real_path: Path, language: Language, skipped: dict[str, int]) -> SourceFile | None:
    try:
        data = real_path.read_bytes()
        mode = real_path.stat().st_mode & 0o7777
    except OSError:
        count(skipped, "file unreadable")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        count(skipped, "file not UTF-8")
        return None
    if language.parse(text).root_node.has_error:
        count(skipped, "file has syntax errors")
        return None
    return SourceFile(path=path, real_path=real_path, language=language, data=data, mode=mode)


def select_targets(
    sources: Iterable[SourceFile], *, only_missing: bool, max_code_chars: int, skipped: dict[str, int]
) -> tuple[list[Target], int]:
    """The functions to document and how many functions the files hold."""
    from batcoder.document.render import supported_languages
    from batcoder.rollout.functions import corpus_functions

    targets: list[Target] = []
    found = 0
    for source in sources:
        language, text = source.language, source.text
        functions = language.functions(text)
        found += len(functions)
        for index, function in enumerate(functions):
            if language.name not in supported_languages():
                count(skipped, f"no documentation convention for {language.name}")
            elif function.nested:
                count(skipped, "nested function")
            elif only_missing and function.docstring:
                count(skipped, "already documented")
            elif language.documentation_slot(text, function) is None:
                count(skipped, "no place for documentation")
            else:
                row = {"code": function.code, "language": language.name, "name": function.name}
                for _, usable in corpus_functions([row], skipped, max_code_chars=max_code_chars):
                    definitions = language.functions(usable.code)
                    signature = definitions[0].signature if definitions else function.signature
                    targets.append(Target(source, index, function, usable.code, signature))
    return targets, found
