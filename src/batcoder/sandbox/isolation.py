"""How a sandbox is built: the bubblewrap command line that confines one worker, and its checks.

Inside the sandbox the whole filesystem is mounted read-only; the only writable place is a private,
size-limited tmpfs on /tmp (plus the writable caches a runner asks for, e.g. Go's build cache).
Network, PID, IPC and UTS namespaces are private, the environment is empty apart from what a runner
sets, and the home directories of the evaluating user (and /root) are hidden behind empty tmpfs
mounts, with only the Python installation bound back in.

Two ways in, depending on who we are:

* **root**: bubblewrap runs privileged (no user namespace) and ``setpriv`` drops the supervisor to a
  dedicated uid leased for this sandbox alone, with every capability and the bounding set dropped and
  ``no_new_privs`` set. A uid of its own makes ``RLIMIT_NPROC`` count exactly this sandbox's
  processes, and the program cannot read root-only files or signal anything outside.
* **any other user**: bubblewrap creates an unprivileged user namespace (nested ones are disabled).
  ``RLIMIT_NPROC`` then counts all of the user's processes, so the limit is raised by the number the
  user already runs.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

SANDBOX_UIDS = range(61000, 62000)  # uids leased to sandboxes when we run as root
SANDBOX_GID = 60999  # shared group of all sandbox uids (lets them share the Go build cache)
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
SCRATCH = "/tmp"
WORKER_SCRIPT = Path(__file__).with_name("worker.py")


class IsolationUnavailable(RuntimeError):
    """Full isolation cannot be had on this machine; the message names the missing feature."""


@dataclass(frozen=True)
class Mount:
    """A host directory made visible inside the sandbox."""

    source: str
    target: str
    writable: bool = False


@dataclass
class SandboxCommand:
    """What it takes to start one worker: argv, the uid lease to hold while it lives, Popen options."""

    argv: list[str]
    popen_kwargs: dict = field(default_factory=dict)
    lease: "UidLease | None" = None


def check_isolation() -> None:
    """Raise :class:`IsolationUnavailable` unless a sandbox can be built here (probed once per process)."""
    problem = _isolation_problem()
    if problem:
        raise IsolationUnavailable(problem)


@functools.cache
def _isolation_problem() -> str | None:
    if sys.platform != "linux":
        return f"Linux namespaces (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap: `bwrap` is not on PATH (install the bubblewrap package)"
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            return "setpriv (util-linux) is not on PATH; it drops root to a sandbox uid"
    elif _read_int("/proc/sys/user/max_user_namespaces") == 0:
        return "unprivileged user namespaces (/proc/sys/user/max_user_namespaces is 0)"
    if not hasattr(os, "pidfd_open"):
        return "os.pidfd_open (Python >= 3.9 on Linux >= 5.3)"
    probe = sandbox_command(["/bin/true"], scratch_mb=1, mounts=[], probe=True)
    try:
        completed = subprocess.run(probe.argv, capture_output=True, text=True, timeout=30, **probe.popen_kwargs)
    finally:
        if probe.lease:
            probe.lease.release()
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or [f"exit status {completed.returncode}"]
        return f"bubblewrap cannot create the sandbox's namespaces here: {reason[0]}"
    return None


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def warn_unsafe() -> None:
    message = (
        "batcoder: RUNNING UNTRUSTED CODE WITHOUT ISOLATION (--unsafe-no-isolation): programs can read "
        "and write your files, use the network and see your environment; only resource limits apply"
    )
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    logger.warning(message)
    print(f"\n{'!' * 100}\n{message}\n{'!' * 100}\n", file=sys.stderr, flush=True)


class UidLease:
    """Exclusive use of one sandbox uid across all processes on the machine (an flock held while alive)."""

    def __init__(self):
        lock_dir = Path(tempfile.gettempdir()) / "batcoder-sandbox-uids"
        lock_dir.mkdir(mode=0o700, exist_ok=True)
        for uid in SANDBOX_UIDS:
            handle = open(lock_dir / f"{uid}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            return
        raise IsolationUnavailable(f"a free sandbox uid: all of {SANDBOX_UIDS.start}-{SANDBOX_UIDS.stop - 1} are in use")

    def release(self) -> None:
        self._handle.close()


def shared_cache_dir(name: str) -> Path:
    """A persistent cache directory that every sandbox uid may write (created on first use)."""
    override = os.environ.get(f"BATCODER_{name.upper().replace('-', '_')}_CACHE")
    if override:
        path = Path(override)
    elif os.geteuid() == 0:
        path = Path("/var/cache/batcoder") / name  # ~root is not reachable by the sandbox uids
    else:
        path = Path.home() / ".cache" / "batcoder" / name
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(path, 0, SANDBOX_GID)
            path.chmod(0o2770)
    return path


def sandbox_command(inner_argv: list[str], *, scratch_mb: int, mounts: list[Mount], probe: bool = False) -> SandboxCommand:
    """The command that runs ``inner_argv`` confined (see the module docstring)."""
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    argv += ["--perms", "1777", "--size", str(scratch_mb << 20), "--tmpfs", SCRATCH]
    argv += _hide_home_directories()
    for mount in mounts:
        argv += ["--bind" if mount.writable else "--ro-bind", mount.source, mount.target]
    argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    argv += ["--die-with-parent", "--new-session", "--clearenv", "--chdir", SCRATCH]
    argv += ["--setenv", "PATH", SANDBOX_PATH, "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", SCRATCH]
    if os.geteuid() != 0:
        argv += ["--unshare-user", "--disable-userns", "--", *inner_argv]
        return SandboxCommand(argv)
    lease = UidLease()
    argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--"]
    argv += ["setpriv", "--reuid", str(lease.uid), "--regid", str(SANDBOX_GID), "--clear-groups"]
    argv += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *inner_argv]
    return SandboxCommand(argv, lease=lease)


def _hide_home_directories() -> list[str]:
    """Empty tmpfs mounts over /root and $HOME; the Python installation and this package are bound back."""
    homes = {Path(home).resolve() for home in ("/root", Path.home()) if Path(home).is_dir()}
    hidden = sorted(str(home) for home in homes if home != Path("/") and not home.is_relative_to(SCRATCH))
    needed = {sys.base_prefix, sys.prefix, str(WORKER_SCRIPT.parent), *(p for p in sys.path if p and os.path.isdir(p))}
    argv = []
    for home in hidden:
        argv += ["--tmpfs", home]
        exposed = sorted(
            {str(Path(path).resolve()) for path in needed if Path(path).resolve().is_relative_to(home)} - {home}
        )
        created = set()
        for path in exposed:
            if any(Path(path).is_relative_to(outer) for outer in exposed if outer != path):
                continue  # already inside another bind
            for parent in reversed(Path(path).relative_to(home).parents[:-1]):
                directory = str(Path(home) / parent)
                if directory not in created:
                    created.add(directory)
                    argv += ["--perms", "0755", "--dir", directory]
            argv += ["--ro-bind", path, path]
    return argv


def worker_argv(*, contained: bool, scratch: str, own_processes: int) -> list[str]:
    argv = [sys.executable, "-I", str(WORKER_SCRIPT), "--scratch", scratch, "--own-processes", str(own_processes)]
    return argv + (["--contained"] if contained else [])


def user_process_count() -> int:
    """Processes and threads the current uid runs (what RLIMIT_NPROC counts)."""
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{name}/task"))
            except OSError:
                continue
    return count
