"""Reading corpus files and writing outputs atomically."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from batcoder.data.errors import CorpusError
from batcoder.outputs import WRITE_ERRNOS, cannot_write, mark_file, temporary_prefix


def read_corpus(path: str | Path, split: str | None = None) -> Iterator[dict]:
    """Rows of a corpus JSONL file written by ``batcoder data build`` (only ``split``'s when given).

    Keys: code, language, name, path, start_line, end_line, sha256, split, and docstring when the
    function had one. A malformed line raises :class:`CorpusError` naming ``file:line``.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise CorpusError(f"{path}:{number}: malformed corpus row ({error.msg})") from None
                if not isinstance(row, dict) or not isinstance(row.get("code"), str):
                    raise CorpusError(f"{path}:{number}: corpus row has no 'code' string")
                if split is None or row.get("split") == split:
                    yield row
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read corpus {path}: {error}") from None


def read_json_rows(path: Path, error: type[Exception]) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each row of a small JSONL file, or of a file holding one JSON array of rows
    (as MultiPL-E's builder writes, even into ``.jsonl`` files; the number is then the row's, from 1);
    ``.gz`` files too. An unreadable file or a malformed line or row raises ``error`` naming path:line."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, EOFError, UnicodeDecodeError) as failure:
        raise error(f"{path}: cannot read: {getattr(failure, 'strerror', None) or failure}") from None
    if text.lstrip().startswith("["):
        try:
            rows = list(enumerate(json.loads(text), start=1))
        except json.JSONDecodeError as failure:
            raise error(f"{path}:{failure.lineno}: invalid JSON array: {failure.msg}") from None
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as failure:
                    raise error(f"{path}:{number}: invalid JSON: {failure.msg}") from None
    for number, row in rows:
        if not isinstance(row, dict):
            raise error(f"{path}:{number}: expected a JSON object")
        yield number, row


@contextlib.contextmanager
def atomic_output(path: str | Path, command: str | None = None, mode: int | None = None) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when the block completes: it is written to a hidden
    temporary file in the same directory and renamed over ``path``; on any error it is deleted. With
    ``command``, the file is marked as that command's output (see :mod:`batcoder.outputs`). A full disk
    or read-only file system is an :class:`~batcoder.outputs.OutputError` naming ``path``. ``mode``: its
    permission bits (default: a new file's, 0666 less the umask)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=".partial", dir=path.parent)
    except OSError as error:
        raise cannot_write(path, error) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask() if mode is None else mode)  # mkstemp creates 0600
        os.replace(temporary, path)
        if command is not None:
            mark_file(path, command)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if error.errno in WRITE_ERRNOS:
            raise cannot_write(path, error) from None
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_json(path: str | Path, data: dict, command: str | None = None) -> None:
    with atomic_output(path, command) as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
