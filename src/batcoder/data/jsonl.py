"""Reading corpus files and writing outputs atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from batcoder.data.errors import CorpusError


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


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: int | None = None) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when the block completes: it is written to a hidden
    temporary file in the same directory and renamed over ``path``; on any error it is deleted.
    ``mode``: its permission bits (default: a new file's, 0666 less the umask)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o666 & ~_umask() if mode is None else mode)  # mkstemp creates 0600
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_json(path: str | Path, data: dict) -> None:
    with atomic_output(path) as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
