"""A memory + process cgroup per sandbox, where this machine lets us create one.

Resource limits are per process: a program forking 60 children could still use 60 times the
memory limit. A cgroup bounds the whole sandbox (program, its descendants, what it writes to the
scratch tmpfs) and its task count. Both cgroup v1 (separate ``memory`` and ``pids`` hierarchies) and
v2 (one unified hierarchy with the controllers delegated to us) are supported; without a writable
hierarchy the sandbox runs on resource limits alone (:func:`create` returns None).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass
class SandboxCgroup:
    directories: list[Path]  # one per hierarchy the sandbox is in

    def join_command(self, argv: list[str]) -> list[str]:
        """``argv`` prefixed by a shell that moves itself into the cgroup before exec'ing it, so that
        everything the sandbox ever starts is inside from the first instruction on."""
        moves = " && ".join(f"echo $$ > '{directory / 'cgroup.procs'}'" for directory in self.directories)
        return ["/bin/sh", "-c", f'{moves} && exec "$@"', "batcoder-sandbox", *argv]

    def remove(self) -> None:
        for directory in self.directories:
            for _ in range(200):  # the last processes may take a moment to leave after SIGKILL
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
            else:
                logger.warning("could not remove cgroup %s", directory)


def create(memory_bytes: int, max_tasks: int) -> SandboxCgroup | None:
    """A fresh cgroup limited to ``memory_bytes`` and ``max_tasks``, or None when none can be made."""
    name = f"batcoder-sandbox-{uuid.uuid4().hex[:12]}"
    v1 = _v1_hierarchies()
    if "memory" in v1 and "pids" in v1:
        settings = {
            "memory": {"memory.limit_in_bytes": memory_bytes, "memory.swappiness": 0},
            "pids": {"pids.max": max_tasks},
        }
        return _make([(v1[controller] / name, settings[controller]) for controller in ("memory", "pids")])
    unified = _v2_directory()
    if unified is not None:
        return _make([(unified / name, {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": max_tasks})])
    return None


def _make(plan: list[tuple[Path, dict[str, int]]]) -> SandboxCgroup | None:
    made = []
    try:
        for directory, settings in plan:
            directory.mkdir()
            made.append(directory)
            for key, value in settings.items():
                if (directory / key).exists():
                    (directory / key).write_text(str(value))
            if not os.access(directory / "cgroup.procs", os.W_OK):
                raise PermissionError(directory / "cgroup.procs")
    except OSError as error:
        logger.info("no sandbox cgroup (%s); memory and process limits are per process only", error)
        SandboxCgroup(made).remove()
        return None
    return SandboxCgroup(made)


def _own_cgroups() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path in that hierarchy."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _mounts(fstype: str) -> list[tuple[Path, set[str]]]:
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, after = line.split(" - ", 1)
        fields, super_fields = before.split(), after.split()
        if super_fields[0] == fstype and "rw" in fields[5].split(","):
            found.append((Path(fields[4]), set(super_fields[2].split(","))))
    return found


def _v1_hierarchies() -> dict[str, Path]:
    own = _own_cgroups()
    hierarchies = {}
    for mount_point, options in _mounts("cgroup"):
        for controller in ("memory", "pids"):
            if controller in options and controller in own:
                hierarchies[controller] = mount_point / own[controller].lstrip("/")
    return hierarchies


def _v2_directory() -> Path | None:
    own = _own_cgroups().get("")
    for mount_point, _ in _mounts("cgroup2"):
        directory = mount_point / (own or "/").lstrip("/")
        try:
            delegated = set((directory / "cgroup.subtree_control").read_text().split())
        except OSError:
            continue
        if {"memory", "pids"} <= delegated:
            return directory
    return None
