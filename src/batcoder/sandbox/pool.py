"""Host side: long-lived sandboxed workers, the pool that shares them out, and the verdicts.

A worker is one sandbox (see :mod:`batcoder.sandbox.isolation`) running the supervisor in
:mod:`batcoder.sandbox.worker`; it executes programs one after another, each with a fresh directory
and its own limits, and kills everything a program started before the next one runs. A program that
takes its worker down (killing its parent, ``kill -9 -1``) or leaves it unresponsive only costs a
fresh sandbox: the evaluating process is outside every namespace the program can reach.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

from batcoder.sandbox import cgroups, isolation
from batcoder.sandbox.isolation import SANDBOX_PATH, SCRATCH, check_isolation, warn_unsafe
from batcoder.sandbox.limits import ExecutionResult, Limits
from batcoder.sandbox.runners import available_runners, get_runner

STARTUP_TIMEOUT_S = 60.0
WARM_UP_TIMEOUT_S = 600.0
SUPERVISOR_GRACE_S = 10.0  # on top of the program's timeout before the host gives up on a worker
SUPERVISOR_MEMORY_MB = 256  # the sandbox's cgroup allows this on top of the program's memory and scratch
SUPERVISOR_TASKS = 16  # launcher, init, supervisor: tasks the cgroup allows on top of the program's


class WorkerDied(RuntimeError):
    """The sandbox went away or stopped answering while it ran a program: the program's doing."""


class SandboxError(RuntimeError):
    """The sandbox itself failed (could not start, supervisor error): not the program's doing."""


class _Worker:
    """One sandbox with a supervisor inside, spoken to over its stdin/stdout."""

    def __init__(self, limits: Limits, backend: str | None):
        names = {get_runner(language).build_cache for language in available_runners()} - {None}
        self._cache_fds = {name: os.open(isolation.shared_cache_dir(name), os.O_PATH | os.O_DIRECTORY) for name in names}
        self._host_scratch = self._cgroup = None
        if backend is None:  # unsafe mode
            self._host_scratch = tempfile.mkdtemp(prefix="batcoder-unsafe-")
            own = isolation.user_process_count() + 8
            argv = isolation.worker_argv(contained=False, scratch=self._host_scratch, own_processes=own, caches=self._cache_fds)
            command = isolation.SandboxCommand(argv, {"pass_fds": tuple(self._cache_fds.values())})
        else:
            own = 1 if os.geteuid() == 0 else isolation.user_process_count() + 8
            inner = isolation.worker_argv(contained=True, scratch=SCRATCH, own_processes=own, caches=self._cache_fds)
            command = isolation.sandbox_command(
                inner, scratch_mb=limits.scratch_mb, backend=backend, pass_fds=tuple(self._cache_fds.values())
            )
            # The whole sandbox: the program's memory, the scratch tmpfs it fills, the supervisor.
            memory = (limits.memory_mb + limits.scratch_mb + SUPERVISOR_MEMORY_MB) << 20
            self._cgroup = cgroups.create(memory, limits.max_processes + SUPERVISOR_TASKS)
            if self._cgroup:
                command.argv = self._cgroup.join_command(command.argv)
        self._command = command
        self._diagnostics = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                command.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._diagnostics,
                start_new_session=True,  # the host's terminal signals go to the host only
                **command.popen_kwargs,
            )
        finally:
            command.started()
        self._buffer = b""
        reply = self._read_reply(time.monotonic() + STARTUP_TIMEOUT_S)
        if not reply or not reply.get("ready"):
            diagnostics = self._diagnostic_tail() or "no output"
            self.close()
            raise SandboxError(f"sandbox worker did not start: {diagnostics}")

    def execute(self, request: dict) -> dict:
        """Run one job; :class:`WorkerDied` when the sandbox went away or stopped answering."""
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise WorkerDied(f"sandbox worker is gone: {error}") from None
        reply = self._read_reply(time.monotonic() + request["timeout_s"] + SUPERVISOR_GRACE_S)
        if reply is None:
            raise WorkerDied("sandbox worker died or stopped answering during the program")
        if "error" in reply:
            raise SandboxError(f"sandbox supervisor failed: {reply['error']}")
        return reply

    def _read_reply(self, deadline: float) -> dict | None:
        stdout = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([stdout], [], [], remaining)[0]:
                return None
            chunk = os.read(stdout, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _diagnostic_tail(self) -> str:
        self._diagnostics.seek(0)
        return self._diagnostics.read()[-2000:].decode(errors="replace").strip()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # a healthy supervisor exits on EOF
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            # bwrap's --die-with-parent chain: killing the sandbox's launcher ends its PID namespace.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.process.stdout.close()
        self._diagnostics.close()
        for fd in self._cache_fds.values():
            os.close(fd)
        self._cache_fds = {}
        if self._cgroup:
            self._cgroup.remove()
            self._cgroup = None
        self._command.release()
        if self._host_scratch:
            shutil.rmtree(self._host_scratch, ignore_errors=True)


class SandboxPool:
    """``workers`` sandboxes that run programs concurrently; use as a context manager.

    ``run`` may be called from many threads at once; ``map`` runs an iterable of (program, language)
    pairs on all workers and yields results in input order.
    """

    def __init__(
        self,
        workers: int = 1,
        limits: Limits | None = None,
        unsafe_no_isolation: bool = False,
        *,
        backend: str | None = None,
    ):
        """``backend``: "bwrap" or "unshare"; by default the first that works here, and
        :class:`IsolationUnavailable` when neither does. ``unsafe_no_isolation``: no sandbox at all
        (resource limits only), with a loud warning."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self.limits = limits or Limits()
        if unsafe_no_isolation:
            warn_unsafe()
            self.backend = None
        else:
            self.backend = check_isolation(backend)
        # Workers are started on these long-lived threads: bwrap's --die-with-parent fires when the
        # *thread* that started it ends, so they must not be started on short-lived caller threads.
        self._spawner = ThreadPoolExecutor(min(workers, 8), thread_name_prefix="sandbox-spawner")
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._closed = False
        self._warm: set[str] = set()  # languages whose runner is ready
        self._warm_up_lock = threading.Lock()
        started, failures = [], []
        for future in [self._spawner.submit(self._start_worker) for _ in range(workers)]:
            try:
                started.append(future.result())
            except Exception as error:  # noqa: BLE001 - re-raised below, once every worker is accounted for
                failures.append(error)
        if failures:
            for worker in started:
                worker.close()
            self._spawner.shutdown()
            raise failures[0]
        for worker in started:
            self._idle.put(worker)

    def _start_worker(self) -> _Worker:
        return _Worker(self.limits, self.backend)

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def run(self, program: str, language: str, timeout_s: float | None = None) -> ExecutionResult:
        """Run one complete program (solution + tests) and judge it by its pass marker."""
        if self._closed:
            raise RuntimeError("SandboxPool is closed")
        try:
            runner = get_runner(language)
        except ValueError as error:
            return ExecutionResult("error", str(error), "", "", 0.0)
        missing = [name for name in runner.executables() if shutil.which(name, path=SANDBOX_PATH) is None]
        if missing:
            return ExecutionResult("error", f"{language} runtime not installed: {', '.join(missing)}", "", "", 0.0)
        self._warm_up(runner)
        return self._run(runner, program, timeout_s if timeout_s is not None else self.limits.timeout_s)

    def _warm_up(self, runner) -> None:
        if runner.language in self._warm:
            return
        with self._warm_up_lock:
            if runner.language not in self._warm:
                program = runner.warm_up()
                if program is not None and self._run(runner, program, WARM_UP_TIMEOUT_S).passed:
                    runner.mark_warm()
                self._warm.add(runner.language)

    def _run(self, runner, program: str, timeout_s: float) -> ExecutionResult:
        marker = f"batcoder-pass-{secrets.token_hex(16)}"
        request = self._request(runner.prepare(program, marker), marker, timeout_s)
        worker = self._idle.get()
        started = time.monotonic()
        try:
            if worker is None:
                worker = self._spawner.submit(self._start_worker).result()
            reply = worker.execute(request)
        except (WorkerDied, SandboxError, isolation.IsolationUnavailable) as error:
            if worker is not None:
                worker.close()
                worker = None  # replaced by a fresh sandbox on next use
            duration = time.monotonic() - started
            if isinstance(error, WorkerDied):
                return ExecutionResult("failed", f"the program brought down its sandbox ({error})", "", "", duration)
            return ExecutionResult("error", str(error), "", "", duration)
        finally:
            self._idle.put(worker)
        return verdict(reply)

    def map(self, jobs: Iterable[tuple[str, str]]) -> Iterator[ExecutionResult]:
        """Run (program, language) pairs on all workers; results come back in input order."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="sandbox-job") as executor:
            futures = [executor.submit(self.run, program, language) for program, language in jobs]
            for future in futures:
                yield future.result()

    def _request(self, job, marker: str, timeout_s: float) -> dict:
        return {
            "files": job.files,
            "argv": job.argv,
            "main_file": job.main_file,
            "env": {"PATH": SANDBOX_PATH, "LANG": "C.UTF-8", **job.env},
            "inline_python": job.inline_python,
            "build_cache": job.build_cache,
            "marker": marker,
            "timeout_s": timeout_s,
            "memory_bytes": self.limits.memory_mb << 20,
            "max_processes": self.limits.max_processes,
            "max_file_bytes": self.limits.max_file_mb << 20,
            "max_output_bytes": self.limits.max_output_bytes,
        }

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for _ in range(self.workers):
            worker = self._idle.get()
            if worker is not None:
                worker.close()
        self._spawner.shutdown()


def verdict(reply: dict) -> ExecutionResult:
    """Judge a supervisor's report: only the marker means passed."""
    stdout, stderr, duration = reply["stdout"], reply["stderr"], reply["duration_s"]
    if reply["marker_seen"]:
        return ExecutionResult("passed", "", stdout, stderr, duration)
    if reply["timed_out"]:
        return ExecutionResult("timed_out", f"timed out after {duration:.1f} s", stdout, stderr, duration)
    if reply["output_exceeded"]:
        total = reply["stdout_bytes"] + reply["stderr_bytes"]
        return ExecutionResult("failed", f"output limit exceeded ({total} bytes)", stdout, stderr, duration)
    last_line = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    if reply["signal"] is not None:
        reason = f"killed by {signal.Signals(reply['signal']).name}"
    elif reply["exit_code"]:
        reason = f"exit status {reply['exit_code']}"
    else:
        reason = "exited before its tests completed"
    return ExecutionResult("failed", f"{last_line} ({reason})" if last_line else reason, stdout, stderr, duration)


def execute(
    program: str,
    language: str,
    limits: Limits | None = None,
    *,
    unsafe_no_isolation: bool = False,
    backend: str | None = None,
) -> ExecutionResult:
    """Run one complete program (solution + tests) in a fresh sandbox and judge it."""
    with SandboxPool(1, limits, unsafe_no_isolation=unsafe_no_isolation, backend=backend) as pool:
        return pool.run(program, language)
