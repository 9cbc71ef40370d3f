"""Where commands write: one rule for every output path, checked before any long work.

* An output that exists and is not a previous output of the same command is refused (``--overwrite``
  replaces it).
* An output equal to, inside or containing one of the command's inputs is refused.
* A directory is only ever replaced when every file in it is one batcoder wrote (listed in its
  :data:`MARKER`): a user's files are never removed, ``--overwrite`` or not.
* Leftovers of killed runs beside an output (``.NAME.*.partial``, ``.NAME.*tmp-*``) are removed when the
  command starts again; a temporary name carries its writer's pid, so a live writer's is left alone.

What a command wrote is recorded in a marker: ``DIR/.batcoder-output.json`` for a directory (the command
and its files), ``.NAME.batcoder-output.json`` beside a file (the command, and the file's size and
modification time, so a file edited since is no longer taken for the command's own).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from batcoder.errors import UserError

MARKER = ".batcoder-output.json"
# Errors of writing itself (not of reading an input): reported as "cannot write PATH".
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
_TEMPORARY = re.compile(r"(?:^|\.)(?:tmp-|old-|probe-)|\.partial$")
_PID = re.compile(r"(?:^|\.)pid(\d+)\.")


class OutputError(UserError):
    """An output path that must not or cannot be written; the message names it."""


def temporary_prefix(name: str) -> str:
    """Prefix of a temporary sibling of the output ``name``: hidden, with this process's pid."""
    return f".{name}.pid{os.getpid()}."


def cannot_write(path: str | os.PathLike, error: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {error.strerror or error}")


def file_marker(path: Path) -> Path:
    return path.with_name(f".{path.name}{MARKER}")


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def file_written_by(path: Path) -> str | None:
    """The command whose output ``path`` is, unchanged since it was written; None when not known."""
    marker = _read_json(file_marker(path))
    try:
        stat = path.stat()
    except OSError:
        return None
    if marker and marker.get("size") == stat.st_size and marker.get("mtime_ns") == stat.st_mtime_ns:
        return marker.get("command")
    return None


def mark_file(path: Path, command: str) -> None:
    """Record that ``command`` wrote ``path`` just now."""
    stat = path.stat()
    record = {"command": command, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    file_marker(path).write_text(json.dumps(record) + "\n", encoding="utf-8")


def mark_directory(directory: Path, command: str, *, owned: bool = False) -> None:
    """Record that ``command`` wrote every file now in ``directory`` (``owned``: the directory is the
    command's to fill over time, like a training run's; nothing in it is ever replaced by another command)."""
    files = None if owned else sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if not p.is_dir())
    record = {"command": command, "files": files}
    (directory / MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def directory_written_by(directory: Path) -> tuple[str | None, list[str]]:
    """``(command that wrote directory, files in it that batcoder did not write)``."""
    marker = _read_json(directory / MARKER) or {}
    listed = set(marker.get("files") or ())
    foreign = sorted(
        str(p.relative_to(directory)) for p in directory.rglob("*")
        if not p.is_dir() and p.name != MARKER and str(p.relative_to(directory)) not in listed
    )
    return marker.get("command"), foreign


def check_replaceable_directory(directory: Path) -> None:
    """Refuse to replace ``directory`` unless every file in it was written by batcoder, and it is not a
    directory a command fills over time (a training run)."""
    marker = _read_json(directory / MARKER) or {}
    if "files" in marker and marker["files"] is None:
        raise OutputError(f"{directory} is the run directory of `batcoder {marker.get('command')}`; choose another directory")
    _, foreign = directory_written_by(directory)
    if foreign:
        raise OutputError(
            f"{directory} holds files batcoder did not write (e.g. {foreign[0]}); they are never removed: "
            "choose a new or empty directory"
        )


def _check_inputs(path: Path, inputs: Iterable[str | os.PathLike | None]) -> None:
    resolved = path.resolve()
    for given in inputs:
        if given is None or not Path(given).expanduser().exists():
            continue  # hub ids, and names the command itself reports
        source = Path(given).expanduser().resolve()
        if resolved == source:
            raise OutputError(f"output {path} is also an input ({given}); write the output elsewhere")
        if source in resolved.parents:
            raise OutputError(f"output {path} is inside the input {given}; write the output elsewhere")
        if resolved in source.parents:
            raise OutputError(f"output {path} contains the input {given}; write the output elsewhere")


def remove_leftovers(directory: Path, name: str | None = None) -> list[Path]:
    """Remove temporary files and directories that killed batcoder runs left in ``directory`` (those of
    output ``name`` only, when given); returns what was removed."""
    removed = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if name is not None:
            if not entry.name.startswith(f".{name}."):
                continue
            rest = entry.name[len(name) + 2:]
        elif entry.name.startswith("."):
            rest = entry.name.split(".", 2)[-1] if entry.name.count(".") >= 2 else ""
        else:
            continue
        pid = _PID.search(rest)
        if not _TEMPORARY.search(rest) or (pid and _alive(int(pid[1]))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_writable(directory: Path, shown: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(prefix=temporary_prefix(shown.name) + "probe-", dir=directory)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise cannot_write(shown, error) from None


def prepare_output(
    path: str | os.PathLike,
    command: str,
    *,
    inputs: Iterable[str | os.PathLike | None] = (),
    overwrite: bool = False,
    directory: bool = False,
) -> Path:
    """Check that ``command`` may write ``path`` (a file, or a ``directory``) by the rule above, remove
    the leftovers of killed runs beside it and make sure its folder is writable; returns ``path``.
    Raises :class:`OutputError` with a one-line message otherwise."""
    path = Path(path).expanduser()
    _check_inputs(path, inputs)
    flag = "pass --overwrite to replace it"
    if directory and path.exists():
        if not path.is_dir():
            raise OutputError(f"output {path} exists and is not a directory")
        if any(path.iterdir()):
            check_replaceable_directory(path)
            previous, _ = directory_written_by(path)
            if previous != command and not overwrite:
                raise OutputError(f"output {path} holds the output of `batcoder {previous}`; {flag}")
    elif path.exists() or path.is_symlink():
        if path.is_dir():
            raise OutputError(f"output {path} is a directory; give a file path")
        if not path.is_file():
            raise OutputError(f"output {path} exists and is not a regular file")
        previous = file_written_by(path)
        if previous != command and not overwrite:
            whose = f"the output of `batcoder {previous}`" if previous else "not a previous output of this command"
            raise OutputError(f"output {path} exists and is {whose}; {flag}")
    remove_leftovers(path.parent, path.name)
    _check_writable(path.parent, path)
    return path


def claim_directory(path: str | os.PathLike, command: str, *, inputs: Iterable[str | os.PathLike | None] = ()) -> Path:
    """Make ``path`` a directory that ``command`` fills over time (a training run): new, empty or already
    one of ``command``'s; leftovers of killed runs inside it are removed. Raises :class:`OutputError`."""
    path = Path(path).expanduser()
    _check_inputs(path, inputs)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()):
        previous, foreign = directory_written_by(path)
        legacy = (path / "config.yaml").is_file() and ((path / "checkpoints").is_dir() or (path / "metrics.jsonl").is_file())
        if previous != command and not (previous is None and legacy):
            detail = f"the output of `batcoder {previous}`" if previous else f"files batcoder did not write (e.g. {foreign[0]})"
            raise OutputError(f"{path} holds {detail}; choose another directory")
    _check_writable(path, path / MARKER)
    mark_directory(path, command, owned=True)
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir() and not p.name.startswith("."))]:
        remove_leftovers(folder)
    return path
