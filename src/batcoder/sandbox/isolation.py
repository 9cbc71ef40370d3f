"""How a sandbox is built: the command that confines one worker, and the checks that it can be built.

Inside the sandbox the whole filesystem is mounted read-only; the only writable place is a private,
size-limited tmpfs on /tmp. (A runner's build cache is not mounted at all: the worker receives an open
directory descriptor and hands it only to build steps, see ``runners.base.Runner.build_cache``.)
Network, PID, IPC and UTS namespaces are private, the environment is empty apart from what a runner
sets, and the home directories of the evaluating user (and /root) are hidden behind empty tmpfs
mounts, with only the Python installation bound back in.

Two backends build the same sandbox: **bubblewrap** when it works here, otherwise **unshare**
(util-linux) for the namespaces, with the worker itself doing the mounts and dropping privileges
before it runs anything (``worker.confine``). And two ways in, depending on who we are:

* **root**: no user namespace; the supervisor is dropped to a dedicated uid leased for this sandbox
  alone, with every capability and the bounding set dropped and ``no_new_privs`` set. A uid of its own
  makes ``RLIMIT_NPROC`` count exactly this sandbox's processes, and the program cannot read root-only
  files or signal anything outside.
* **any other user**: an unprivileged user namespace. ``RLIMIT_NPROC`` then counts all of the user's
  processes, so the limit is raised by the number the user already runs.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import logging
import os
import platform
import shutil
import struct
import subprocess
import sys
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


@dataclass
class SandboxCommand:
    """What it takes to start one worker: argv, the uid lease to hold while it lives, Popen options."""

    argv: list[str]
    popen_kwargs: dict = field(default_factory=dict)
    lease: "UidLease | None" = None
    close_after_start: list[int] = field(default_factory=list)  # descriptors only the launcher needs

    def started(self) -> None:
        """The launcher has started: its descriptors are no longer needed here."""
        for fd in self.close_after_start:
            os.close(fd)
        self.close_after_start = []

    def release(self) -> None:
        """Everything this command held, the uid lease included (the sandbox is gone)."""
        self.started()
        if self.lease:
            self.lease.release()
            self.lease = None


def check_isolation(backend: str | None = None) -> str:
    """The backend that will confine workers: ``backend`` if given, else the first of "bwrap" and
    "unshare" that works here (probed once per process). :class:`IsolationUnavailable` naming what is
    missing otherwise."""
    if backend is not None and backend not in BACKEND_NAMES:
        raise ValueError(f"unknown sandbox backend {backend!r}; choose from {', '.join(BACKEND_NAMES)}")
    problems = []
    for candidate in [backend] if backend else list(BACKEND_NAMES):
        problem = _backend_problem(candidate)
        if problem is None:
            return candidate
        problems.append(f"{BACKEND_NAMES[candidate]}: {problem}")
    raise IsolationUnavailable("; ".join(problems))


@functools.cache
def _backend_problem(backend: str) -> str | None:
    if sys.platform != "linux":
        return f"Linux namespaces (this is {sys.platform})"
    if not hasattr(os, "pidfd_open"):
        return "os.pidfd_open (Python >= 3.9 on Linux >= 5.3)"
    if os.geteuid() != 0 and _read_int("/proc/sys/user/max_user_namespaces") == 0:
        return "unprivileged user namespaces (/proc/sys/user/max_user_namespaces is 0)"
    executables = {"bwrap": ("bwrap", "setpriv"), "unshare": ("unshare",)}[backend]
    missing = [name for name in executables[: None if os.geteuid() == 0 else 1] if shutil.which(name) is None]
    if missing:
        return f"`{'`, `'.join(missing)}` not on PATH"
    return _probe(backend)


BACKEND_NAMES = {"bwrap": "bubblewrap", "unshare": "unshare (mount + PID + network namespaces)"}


def _probe(backend: str) -> str | None:
    """Start a worker in a sandbox of this kind and let it exit at once: None when that works."""
    inner = worker_argv(contained=True, scratch=SCRATCH, own_processes=1)
    command = sandbox_command(inner, scratch_mb=1, backend=backend)
    try:
        completed = subprocess.run(
            command.argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, **command.popen_kwargs
        )
    finally:
        command.release()
    if completed.returncode == 0 and '"ready"' in completed.stdout:
        return None
    reason = completed.stderr.strip().splitlines()[-1:] or [f"exit status {completed.returncode}"]
    return f"cannot create the sandbox here: {reason[0]}"


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
        lock_dir = Path("/run/batcoder-sandbox-uids")  # one place for every process, whatever its TMPDIR
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
    """A persistent build cache directory that every sandbox uid may write (created on first use)."""
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


def sandbox_command(
    inner_argv: list[str], *, scratch_mb: int, backend: str | None = None, pass_fds: tuple[int, ...] = ()
) -> SandboxCommand:
    """The command that runs ``inner_argv`` confined (see the module docstring)."""
    backend = backend or check_isolation()
    layout = _Layout.build(scratch_mb)
    lease = UidLease() if os.geteuid() == 0 else None
    if backend == "bwrap":
        seccomp = no_user_namespaces_filter()
        if seccomp is None:
            return SandboxCommand(_bwrap_argv(layout, lease, [], inner_argv), {"pass_fds": pass_fds}, lease)
        seccomp_fd = os.memfd_create("batcoder-seccomp", 0)
        os.write(seccomp_fd, seccomp)
        os.lseek(seccomp_fd, 0, os.SEEK_SET)
        argv = _bwrap_argv(layout, lease, ["--add-seccomp-fd", str(seccomp_fd)], inner_argv)
        return SandboxCommand(argv, {"pass_fds": (*pass_fds, seccomp_fd)}, lease, [seccomp_fd])
    argv = [_host_program("unshare"), "--mount", "--pid", "--net", "--ipc", "--uts", "--cgroup"]
    argv += ["--fork", "--kill-child", "--mount-proc", "--propagation", "private"]
    if lease is None:
        argv += ["--map-root-user"]
    seccomp = no_user_namespaces_filter()
    confine = {**layout.as_dict(), "uid": lease and lease.uid, "gid": lease and SANDBOX_GID}
    confine["seccomp"] = seccomp.hex() if seccomp else None
    argv += ["--", *inner_argv, "--confine", json.dumps(confine)]
    env = {"PATH": SANDBOX_PATH, "LANG": "C.UTF-8", "HOME": SCRATCH}
    return SandboxCommand(argv, {"env": env, "cwd": "/", "pass_fds": pass_fds}, lease)


@dataclass
class _Layout:
    """The sandbox's filesystem on top of the read-only host root."""

    scratch_bytes: int  # size of the tmpfs on SCRATCH
    hidden: list[str]  # directories covered by an empty tmpfs (home directories)
    exposed: list[str]  # read-only binds back inside hidden ones or SCRATCH (the Python installation)

    @classmethod
    def build(cls, scratch_mb: int) -> "_Layout":
        homes = {Path(home).resolve() for home in ("/root", Path.home()) if Path(home).is_dir()}
        hidden = sorted(str(home) for home in homes if home != Path("/") and not home.is_relative_to(SCRATCH))
        needed = {sys.base_prefix, sys.prefix, str(WORKER_SCRIPT.parent), *filter(os.path.isdir, sys.path)}
        inside = {str(Path(path).resolve()) for path in needed} - set(hidden) - {SCRATCH}
        inside = {path for path in inside if _covering(path, hidden) is not None}
        # Bind only the outermost of nested paths.
        exposed = sorted(path for path in inside if not any(Path(path).is_relative_to(other) for other in inside - {path}))
        return cls(scratch_mb << 20, hidden, exposed)

    def as_dict(self) -> dict:
        return {"scratch": SCRATCH, "scratch_bytes": self.scratch_bytes, "hidden": self.hidden, "exposed": self.exposed}


def _covering(path: str, hidden: list[str]) -> str | None:
    """The tmpfs mount point (a hidden directory or SCRATCH) that would cover ``path``, if any."""
    return next((cover for cover in (*hidden, SCRATCH) if Path(path).is_relative_to(cover)), None)


def no_user_namespaces_filter() -> bytes | None:
    """A seccomp program (x86-64 only, None elsewhere) that keeps the sandbox from creating user
    namespaces, in which a program would hold every capability over its own new namespaces (a large
    kernel attack surface). clone/unshare with CLONE_NEWUSER fail with EPERM; clone3, whose flags
    seccomp cannot read, fails with ENOSYS so that libc falls back to clone; so do 32-bit and x32
    system calls, whose numbers differ."""
    if platform.machine() != "x86_64":
        return None
    load, jump_equal, jump_at_least, jump_any_bit, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, error = 0x7FFF0000, 0x00050000
    program = [
        (load, 0, 0, 4),  # architecture
        (jump_equal, 1, 0, 0xC000003E),  # AUDIT_ARCH_X86_64
        (ret, 0, 0, error | errno.ENOSYS),
        (load, 0, 0, 0),  # system call number
        (jump_at_least, 0, 1, 0x40000000),  # x32 ABI
        (ret, 0, 0, error | errno.ENOSYS),
        (jump_equal, 0, 1, 435),  # clone3
        (ret, 0, 0, error | errno.ENOSYS),
        (jump_equal, 1, 0, 272),  # unshare
        (jump_equal, 0, 3, 56),  # clone
        (load, 0, 0, 16),  # flags: low half of the first argument
        (jump_any_bit, 0, 1, 0x10000000),  # CLONE_NEWUSER
        (ret, 0, 0, error | errno.EPERM),
        (ret, 0, 0, allow),
    ]
    return b"".join(struct.pack("=HBBI", code, jump_true, jump_false, k) for code, jump_true, jump_false, k in program)


def _host_program(name: str) -> str:
    """``name`` resolved on the evaluator's PATH (the sandbox's own PATH is fixed)."""
    path = shutil.which(name)
    if path is None:
        raise IsolationUnavailable(f"`{name}` is not on PATH")
    return path


def _bwrap_argv(layout: _Layout, lease: UidLease | None, options: list[str], inner_argv: list[str]) -> list[str]:
    argv = [_host_program("bwrap"), *options, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    argv += ["--perms", "1777", "--size", str(layout.scratch_bytes), "--tmpfs", SCRATCH]
    created = set()
    for home in layout.hidden:
        argv += ["--tmpfs", home]
    for path in layout.exposed:
        cover = _covering(path, layout.hidden)
        for parent in reversed(Path(path).relative_to(cover).parents[:-1]):
            directory = str(Path(cover) / parent)
            if directory not in created:  # bwrap would create it mode 0700, unreachable for the sandbox uid
                created.add(directory)
                argv += ["--perms", "0755", "--dir", directory]
        argv += ["--ro-bind", path, path]
    argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    argv += ["--die-with-parent", "--new-session", "--clearenv", "--chdir", SCRATCH]
    argv += ["--setenv", "PATH", SANDBOX_PATH, "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", SCRATCH]
    if lease is None:
        return argv + ["--unshare-user", "--disable-userns", "--", *inner_argv]
    argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--"]
    argv += [_host_program("setpriv"), "--reuid", str(lease.uid), "--regid", str(SANDBOX_GID), "--clear-groups"]
    return argv + ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *inner_argv]


def worker_argv(*, contained: bool, scratch: str, own_processes: int, caches: dict[str, int] | None = None) -> list[str]:
    """The supervisor's command line; ``caches`` maps build-cache names to directory descriptors it inherits."""
    argv = [sys.executable, "-I", str(WORKER_SCRIPT), "--scratch", scratch, "--own-processes", str(own_processes)]
    argv += [arg for name, fd in (caches or {}).items() for arg in ("--cache", f"{name}={fd}")]
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
