"""Resumable training checkpoints: model and optimizer state, scheduler, RNG states, data cursor.

A checkpoint is a directory ``checkpoints/step-000042/state.pt``. It is written into a temporary
sibling, the file and that directory are fsynced, it is renamed into place and the parent directory is
fsynced, so neither a crash nor a power cut leaves a half-written checkpoint under a real name. A newest
checkpoint that does not load anyway (truncated, 0 bytes) is reported in one line, set aside as
``step-000042.broken`` (never deleted) and the one before it is used. Temporary directories of killed
runs are removed when checkpoints are next saved or loaded.

Disk: only the newest ``keep_last`` are kept, and the oldest surplus ones are pruned *before* the new
one is written, so the peak is ``keep_last`` copies instead of ``keep_last + 1`` (but never fewer than
one intact checkpoint while a new one is being written). The size of one checkpoint, for full
fine-tuning of a 1.5B model (Qwen2.5-Coder-1.5B: 1.54e9 parameters, all trainable): float32 weights
4 bytes + AdamW ``exp_avg`` 4 bytes + ``exp_avg_sq`` 4 bytes = 12 bytes per parameter, so
1.54e9 x 12 = 18.5 GB (17.2 GiB) per checkpoint; ``keep_last: 2`` peaks at 37 GB (it was 55 GB when
old ones were pruned after the write). With LoRA (r = 16 on every linear layer: about 18.5M
parameters for that model) a checkpoint holds only the adapter: 18.5e6 x 12 = 0.22 GB.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from batcoder.errors import UserError
from batcoder.outputs import remove_leftovers, temporary_prefix

_NAME = re.compile(r"^step-(\d+)$")
BROKEN_SUFFIX = ".broken"


def rng_state() -> dict:
    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def list_checkpoints(directory: Path) -> list[Path]:
    """Complete checkpoints in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.match(p.name)) and (p / "state.pt").is_file()]
    return [path for _, path in sorted(found)]


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def save_checkpoint(directory: Path, step: int, state: dict, keep_last: int) -> Path:
    """Write ``state`` (torch-serialisable) as checkpoint ``step`` durably and atomically, keeping the
    newest ``keep_last`` checkpoints (this one included)."""
    return commit_checkpoint(directory, stage_checkpoint(directory, step, keep_last), step, state, keep_last)


def stage_checkpoint(directory: Path, step: int, keep_last: int) -> Path:
    """A new temporary directory in ``directory`` for checkpoint ``step``'s files (the surplus old
    checkpoints pruned first); files written there with :func:`write_durably` become part of it
    (several processes may write theirs) when :func:`commit_checkpoint` renames it into place."""
    if keep_last < 1:
        raise ValueError(f"keep_last must be at least 1, got {keep_last}")
    directory.mkdir(parents=True, exist_ok=True)
    remove_leftovers(directory)
    target = directory / f"step-{step:06d}"
    older = [path for path in list_checkpoints(directory) if path != target]
    for old in older[: max(len(older) - max(keep_last - 1, 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name) + "tmp-", dir=directory))


def write_durably(path: Path, value) -> None:
    """``torch.save`` to ``path``, flushed to the disk."""
    with open(path, "wb") as handle:
        torch.save(value, handle)
        handle.flush()
        os.fsync(handle.fileno())


def commit_checkpoint(directory: Path, staging: Path, step: int, state: dict, keep_last: int) -> Path:
    """Write ``state`` into ``staging`` and rename it into place as checkpoint ``step``."""
    target = directory / f"step-{step:06d}"
    try:
        write_durably(staging / "state.pt", state)
        _fsync_directory(staging)
        replaced = None
        if target.exists():  # the same step saved again (a stop right after a periodic checkpoint)
            replaced = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name) + "old-", dir=directory))
            os.replace(target, replaced / target.name)
        os.replace(staging, target)
        _fsync_directory(directory)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for old in list_checkpoints(directory)[:-keep_last]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def set_aside(checkpoint: Path) -> Path:
    """Rename a checkpoint that does not load out of the way (``step-N.broken``, ``step-N.broken-2``, ...)."""
    candidate, number = checkpoint.with_name(checkpoint.name + BROKEN_SUFFIX), 1
    while candidate.exists():
        number += 1
        candidate = checkpoint.with_name(f"{checkpoint.name}{BROKEN_SUFFIX}-{number}")
    os.replace(checkpoint, candidate)
    return candidate


def load_latest_checkpoint(directory: Path) -> dict | None:
    """The newest checkpoint's state that loads, None when there is none. A newer one that does not
    load is reported in one line on stderr and set aside; when none loads it is a :class:`UserError`."""
    remove_leftovers(directory)
    checkpoints = list_checkpoints(directory)
    for checkpoint in reversed(checkpoints):
        try:
            state = torch.load(checkpoint / "state.pt", map_location="cpu", weights_only=False)
            if not isinstance(state, dict) or "step" not in state:
                raise ValueError("not a batcoder training checkpoint")
        except Exception as error:  # torch raises many types for a truncated or damaged file
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            moved = set_aside(checkpoint)
            print(f"batcoder: checkpoint {checkpoint} does not load ({reason}); set aside as {moved.name}, "
                  "using the one before it", file=sys.stderr, flush=True)
            continue
        return state
    if checkpoints:
        raise UserError(f"no checkpoint in {directory} loads (each was set aside as step-N{BROKEN_SUFFIX})")
    return None
