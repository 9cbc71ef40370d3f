"""Resumable training checkpoints: model and optimizer state, scheduler, RNG states, data cursor.

A checkpoint is a directory ``checkpoints/step-000042/state.pt`` written to a temporary sibling and
renamed into place, so a crash never leaves a half-written checkpoint; only the newest ``keep_last``
are kept.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

_NAME = re.compile(r"^step-(\d+)$")


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


def save_checkpoint(directory: Path, step: int, state: dict, keep_last: int) -> Path:
    """Write ``state`` (torch-serialisable) as checkpoint ``step`` atomically; prune old ones."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"step-{step:06d}"
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=directory))
    try:
        torch.save(state, staging / "state.pt")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for old in list_checkpoints(directory)[:-keep_last]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def load_latest_checkpoint(directory: Path) -> dict | None:
    checkpoints = list_checkpoints(directory)
    if not checkpoints:
        return None
    return torch.load(checkpoints[-1] / "state.pt", map_location="cpu", weights_only=False)
