"""Sandbox costs: what one bubblewrap start costs, what a worker start costs, and the per-program
overhead and throughput of the pool for Python, Ruby and Go.

    .venv/bin/python bench/sandbox.py [--programs N] [--workers W]

The machine may be shared: compare figures from the same run only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

from batcoder.sandbox import Limits, SandboxPool
from batcoder.sandbox.isolation import sandbox_command

PROGRAMS = {
    "python": "def add(a, b):\n    return a + b\n\nassert add(2, 3) == 5\n",
    "ruby": "require 'test/unit'\nclass TestAdd < Test::Unit::TestCase\n  def test_add\n    assert_equal(5, 2 + 3)\n  end\nend\n",
    "go": (
        'package add_test\n\nimport (\n\t"testing"\n\n\t"github.com/stretchr/testify/assert"\n)\n\n'
        "func TestAdd(t *testing.T) {\n\tassert.Equal(t, 5, 2+3)\n}\n"
    ),
}


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bare_bwrap_start() -> None:
    command = sandbox_command(["/bin/true"], scratch_mb=1, backend="bwrap")
    try:
        subprocess.run(command.argv, check=True, **command.popen_kwargs)
    finally:
        command.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=200, help="programs in the Python throughput run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    limits = Limits(timeout_s=30)

    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"bare bubblewrap start + exit (/bin/true): {1000 * median_seconds(bare_bwrap_start, 10):7.1f} ms")
    for backend in ("bwrap", "unshare"):
        start = median_seconds(lambda: SandboxPool(1, limits, backend=backend).close(), 5)
        print(f"worker start ({backend}, sandbox + supervisor ready): {1000 * start:7.1f} ms")
    with SandboxPool(1, limits, backend="unshare") as pool:
        latency = median_seconds(lambda: pool.run(PROGRAMS["python"], "python"), 20)
        print(f"per-program latency, warm worker (unshare), python: {1000 * latency:7.1f} ms")
    with SandboxPool(1, limits) as pool:
        for language, program in PROGRAMS.items():
            assert pool.run(program, language).passed  # warm-up (fills the Go build cache if needed)
            repeats = 20 if language == "python" else 5
            latency = median_seconds(lambda: pool.run(program, language), repeats)
            print(f"per-program latency, warm worker (bwrap), {language}: {1000 * latency:7.1f} ms")
    with SandboxPool(args.workers, limits) as pool:
        started = time.perf_counter()
        results = list(pool.map([(PROGRAMS["python"], "python")] * args.programs))
        elapsed = time.perf_counter() - started
    assert all(result.passed for result in results)
    print(f"throughput (bwrap), {args.programs} Python programs, {args.workers} workers: {args.programs / elapsed:.1f} programs/s")


if __name__ == "__main__":
    main()
