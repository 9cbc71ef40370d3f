"""Writing documentation into a file, and proving that nothing else changed.

Each function's documentation goes where its language says (:meth:`Language.documentation_slot`),
in the file's own line endings. The edited file must parse without errors, hold the same functions
(name, kind, container) with the same code apart from comments, docstrings and whitespace, the
documented ones now documented and every other one's documentation unchanged; an edit that breaks
this is dropped, and its function counted as not placed. A file is replaced atomically, with its
permissions, and only while it still holds the bytes it was read from.
"""

from __future__ import annotations

import difflib
from batcoder.document.render import render
from batcoder.document.sources import SourceFile
from batcoder.errors import UserError
from batcoder.languages.common import Edit, apply_edits


def documentation_edit(source: SourceFile, function, documentation: str) -> tuple[Edit, str]:
    """The edit writing ``documentation`` for ``function`` into ``source``, and the rendered text."""
    text = source.text
    slot = source.language.documentation_slot(text, function)
    lines = render(source.language.name, documentation, function.name)
    newline = "\r\n" if b"\r\n" in source.data else "\n"
    rendered = slot.text(lines).replace("\n", newline)
    return (slot.start, slot.end, rendered.encode("utf-8")), "\n".join(lines)


def apply_documentation(source: SourceFile, edits: dict[int, Edit]) -> tuple[str, list[int]]:
    """The file's text with the verified ``edits`` (function index → edit) applied, and the indices
    whose edit failed verification (left out)."""
    if not edits:
        return source.text, []
    edited = _edit(source, edits)
    if edited is not None:
        return edited, []
    good = {index: edit for index, edit in edits.items() if _edit(source, {index: edit}) is not None}
    edited = _edit(source, good) if good else None
    if edited is None:  # each edit verifies alone but not together: write none of them
        return source.text, sorted(edits)
    return edited, sorted(set(edits) - set(good))


def _edit(source: SourceFile, edits: dict[int, Edit]) -> str | None:
    """The edited text when it verifies, else None."""
    data, _ = apply_edits(source.data, edits.values())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if only_documentation_changed(source, text, set(edits)) else None


def only_documentation_changed(source: SourceFile, edited: str, documented: set[int]) -> bool:
    language = source.language
    if language.parse(edited).root_node.has_error:
        return False
    before, after = language.functions(source.text), language.functions(edited)
    if len(before) != len(after):
        return False

    def code(function) -> str:
        return "".join(language.strip_comments(function.code).split())

    for index, (old, new) in enumerate(zip(before, after)):
        if (old.name, old.kind, old.container, old.nested) != (new.name, new.kind, new.container, new.nested):
            return False
        if index in documented and not new.docstring:
            return False
        if index not in documented and new.docstring != old.docstring:
            return False
        if code(old) != code(new):
            return False
    return True


def unified_diff(source: SourceFile, edited: str) -> str:
    """A unified diff (``git apply``/``patch -p1`` style) from the file as read to ``edited``."""
    name = source.path.as_posix()
    prefix = ("a/", "b/") if not source.path.is_absolute() else ("", "")
    lines = difflib.unified_diff(
        source.text.splitlines(keepends=True), edited.splitlines(keepends=True),
        fromfile=prefix[0] + name, tofile=prefix[1] + name,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def write_source(source: SourceFile, edited: str) -> None:
    """Replace the file with ``edited`` atomically, keeping its permissions; a UserError, and the file
    untouched, when it no longer holds what was read."""
    from batcoder.data.jsonl import atomic_output

    try:
        with atomic_output(source.real_path, mode=source.mode) as out:
            out.write(edited)
            out.flush()
            if _current(source) != source.data:  # checked last, right before the rename
                raise UserError(f"{source.path}: changed on disk since it was read; not overwritten (run again)")
    except OSError as error:
        raise UserError(f"{source.path}: cannot write: {error.strerror or error}") from None


def _current(source: SourceFile) -> bytes | None:
    try:
        return source.real_path.read_bytes()
    except OSError:
        return None

