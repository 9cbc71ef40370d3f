"""Hostile programs: each must be contained, judged not passed (unless it only misbehaves harmlessly
and then passes its tests), and leave no process or file behind."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from batcoder.sandbox import Limits, SandboxPool, execute

pytestmark = pytest.mark.timeout(120)

LIMITS = Limits(timeout_s=3.0, memory_mb=512, max_processes=32, max_file_mb=8, max_output_bytes=1 << 16, scratch_mb=32)


@pytest.fixture(scope="module", params=["bwrap", "unshare"])
def backend(request):
    return request.param


@pytest.fixture(scope="module")
def pool(backend):
    with SandboxPool(2, LIMITS, backend=backend) as shared_pool:
        yield shared_pool


def processes_mentioning(token: str) -> list[int]:
    """Host processes whose command line contains ``token``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(name))
    return found


def sleeper(token: str) -> str:
    """Python source of an argv that runs a long sleep and carries ``token`` in its command line."""
    return f'[sys.executable, "-c", "import time; time.sleep(600)", "{token}"]'


def test_infinite_loop_times_out(pool):
    result = pool.run("while True:\n    pass\n", "python", timeout_s=1.0)
    assert result.status == "timed_out"
    assert 1.0 <= result.duration_s < 3.0


def test_sigterm_ignoring_loop_times_out(pool):
    program = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)\n"
    result = pool.run(program, "python", timeout_s=1.0)
    assert result.status == "timed_out"


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)", "raise SystemExit", "exit()"])
def test_exiting_early_with_success_status_fails(pool, exit_call):
    program = f"import os, sys\n\ndef add(a, b):\n    {exit_call}\n\ndef check(f):\n    assert f(1, 2) == 3\n\ncheck(add)\n"
    result = pool.run(program, "python")
    assert result.status == "failed"


def test_fork_storm_is_bounded_and_cleaned_up(pool):
    token = f"forkstorm-{uuid.uuid4().hex}"
    program = textwrap.dedent(
        f"""
        import os, subprocess, sys
        children = 0
        try:
            for _ in range(10_000):
                subprocess.Popen({sleeper(token)})
                children += 1
        except OSError as error:
            print("stopped after", children, "children:", error)
        """
    )
    result = pool.run(program, "python")
    assert "stopped after" in result.stdout
    assert int(result.stdout.split("stopped after")[1].split()[0]) <= LIMITS.max_processes
    assert processes_mentioning(token) == []


def test_raw_fork_bomb_is_bounded(pool):
    program = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    result = pool.run(program, "python", timeout_s=1.0)
    assert result.status == "timed_out"
    assert pool.run("assert True\n", "python").passed  # the worker is clean and usable afterwards


def test_setsid_child_and_double_forked_daemon_are_killed(pool):
    token = f"escapee-{uuid.uuid4().hex}"
    program = textwrap.dedent(
        f"""
        import os, subprocess, sys
        subprocess.Popen({sleeper(token)}, start_new_session=True)
        if os.fork() == 0:          # classic daemon: fork, setsid, fork again, parent exits
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, {sleeper(token)})
            os._exit(0)
        os.wait()
        """
    )
    result = pool.run(program, "python")
    assert result.passed  # misbehaving is not failing: the program did complete
    assert processes_mentioning(token) == []


def test_escapee_cannot_outlive_a_timeout(pool):
    token = f"escapee-timeout-{uuid.uuid4().hex}"
    program = f"import subprocess, sys, time\nsubprocess.Popen({sleeper(token)}, start_new_session=True)\ntime.sleep(60)\n"
    result = pool.run(program, "python", timeout_s=1.0)
    assert result.status == "timed_out"
    assert processes_mentioning(token) == []


def test_multi_gigabyte_allocation_is_refused(pool):
    result = pool.run("block = bytearray(4 << 30)\n", "python")
    assert result.status == "failed"
    assert "MemoryError" in result.detail
    assert pool.run("block = bytearray(64 << 20)\nassert len(block) == 64 << 20\n", "python").passed


def test_filling_the_disk_hits_the_file_size_and_scratch_limits(pool):
    program = textwrap.dedent(
        """
        import errno
        try:
            with open("big", "wb") as handle:
                handle.write(b"x" * (16 << 20))
        except OSError as error:
            assert error.errno == errno.EFBIG, error
        else:
            raise AssertionError("file size limit not enforced")
        try:
            for index in range(100):
                with open(f"part{index}", "wb") as handle:
                    handle.write(b"x" * (4 << 20))
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
        else:
            raise AssertionError("scratch size limit not enforced")
        for path in ("/var/tmp/fill", "/work/fill", "/fill"):
            try:
                open(path, "wb")
            except OSError as error:
                assert error.errno in (errno.EROFS, errno.EACCES), (path, error)
            else:
                raise AssertionError(f"could write {path}")
        """
    )
    result = pool.run(program, "python")
    assert result.passed, result.stderr
    listing = pool.run("import os\nprint(sorted(os.listdir('.')), sorted(os.listdir('/tmp')))\n", "python")
    assert listing.stdout.startswith("['main.py']"), listing.stdout  # a fresh directory, a clean /tmp


def test_files_outside_the_work_directory_and_in_home_are_untouched(pool):
    token = uuid.uuid4().hex
    victims = [Path("/var/tmp") / f"batcoder-victim-{token}", Path.home() / f".batcoder-victim-{token}"]
    for victim in victims:
        victim.write_text("original")
    try:
        program = textwrap.dedent(
            f"""
            import os
            for path in {[str(victim) for victim in victims]!r} + [os.path.expanduser("~/.bashrc")]:
                for attack in (lambda: open(path, "w").write("pwned"), lambda: os.remove(path)):
                    try:
                        attack()
                    except OSError:
                        pass
            """
        )
        result = pool.run(program, "python")
        assert result.passed, result.stderr
        for victim in victims:
            assert victim.read_text() == "original"
    finally:
        for victim in victims:
            victim.unlink()


def test_no_network_even_to_localhost(pool):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        port = server.getsockname()[1]
        program = textwrap.dedent(
            f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
            except OSError as error:
                print("refused:", error)
            else:
                raise AssertionError("connected to the host")
            """
        )
        result = pool.run(program, "python")
        assert result.passed and "refused" in result.stdout, result
        with pytest.raises(BlockingIOError):
            server.accept()


def test_environment_secrets_are_invisible(monkeypatch, backend):
    monkeypatch.setenv("BATCODER_FAKE_API_TOKEN", "hunter2-secret")
    program = "import os\nprint(sorted(os.environ))\nassert 'hunter2-secret' not in repr(dict(os.environ))\n"
    result = execute(program, "python", LIMITS, backend=backend)
    assert result.passed, result
    assert "BATCODER_FAKE_API_TOKEN" not in result.stdout
    assert set(eval(result.stdout)) <= {"PATH", "HOME", "LANG", "TMPDIR", "LC_CTYPE"}


@pytest.mark.parametrize("attack", ["os.kill(os.getppid(), signal.SIGKILL)", "os.kill(-1, signal.SIGKILL)"])
def test_killing_the_parent_only_fails_the_program(pool, attack):
    program = f"import os, signal, time\n{attack}\ntime.sleep(5)\n"
    result = pool.run(program, "python")
    assert not result.passed
    assert pool.run("assert 1 + 1 == 2\n", "python").passed  # the pool replaced the sandbox


def test_gigabytes_of_stdout_are_capped(backend):
    started = time.monotonic()
    program = "import os\nchunk = b'x' * (1 << 20)\nfor _ in range(4096):\n    os.write(1, chunk)\n"
    result = execute(program, "python", LIMITS, backend=backend)
    assert result.status == "failed" and "output limit" in result.detail
    assert len(result.stdout) <= LIMITS.max_output_bytes
    assert time.monotonic() - started < 30


def test_process_and_thread_cap(pool):
    program = textwrap.dedent(
        """
        import threading, time
        threads = []
        try:
            for _ in range(1000):
                thread = threading.Thread(target=time.sleep, args=(30,), daemon=True)
                thread.start()
                threads.append(thread)
        except RuntimeError:
            pass
        print(len(threads))
        """
    )
    result = pool.run(program, "python")
    assert result.passed, result
    assert int(result.stdout) < LIMITS.max_processes


def test_the_leftover_check_sees_an_escapee_that_unsafe_mode_cannot_contain():
    """Positive control for ``processes_mentioning``: without a PID namespace a setsid escapee survives."""
    token = f"unsafe-escapee-{uuid.uuid4().hex}"
    program = f"import subprocess, sys\nsubprocess.Popen({sleeper(token)}, start_new_session=True)\n"
    with pytest.warns(RuntimeWarning, match="WITHOUT ISOLATION"):
        result = execute(program, "python", LIMITS, unsafe_no_isolation=True)
    assert result.passed
    deadline = time.monotonic() + 10
    while not processes_mentioning(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = processes_mentioning(token)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors


def test_many_children_cannot_add_up_beyond_the_sandbox_memory(backend):
    """Each child stays under the per-process limit; together they would need 1.2 GB. The OOM killer
    may kill a child after it reported, so what is bounded is how many hold their block at once."""
    from batcoder.sandbox import cgroups

    probe = cgroups.create(1 << 30, 8)
    if probe is None:
        pytest.skip("no writable cgroup hierarchy here: memory is limited per process only")
    probe.remove()
    limits = Limits(timeout_s=20.0, memory_mb=256, scratch_mb=32)
    program = textwrap.dedent(
        """
        import os, time
        children = []
        for _ in range(6):
            pid = os.fork()
            if pid == 0:
                block = bytearray(200 << 20)
                for offset in range(0, len(block), 4096):
                    block[offset] = 1
                time.sleep(6)
                os._exit(0)
            children.append(pid)
        time.sleep(3)
        holding = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in children)
        print(holding)
        """
    )
    result = execute(program, "python", limits, backend=backend)
    assert result.passed, result
    assert int(result.stdout) <= 2  # 256 MB program + 32 MB scratch + 256 MB supervisor allowance


def test_stopping_the_supervisor_only_fails_the_program(pool):
    """SIGSTOP on the supervisor (ignored for an init process, as under unshare): the host gives up
    on the sandbox after the timeout plus a grace period and replaces it."""
    result = pool.run("import os, signal, time\nos.kill(os.getppid(), signal.SIGSTOP)\ntime.sleep(30)\n", "python", timeout_s=1.0)
    assert not result.passed
    assert pool.run("assert True\n", "python").passed


def test_no_user_namespaces_inside(pool):
    """A user namespace would give the program every capability over namespaces of its own."""
    program = textwrap.dedent(
        """
        import ctypes, subprocess
        CLONE_NEWUSER = 0x10000000
        assert ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWUSER) != 0
        assert subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0
        """
    )
    result = pool.run(program, "python")
    assert result.passed, result
