"""Similarity rewards computed off the main process, so scoring one chunk of reconstructions
overlaps with generating the next chunk (generation holds the main process; scoring is pure CPU
work in tree-sitter and Python, which would otherwise contend for the GIL).

Workers ignore SIGINT and SIGTERM: a Ctrl-C reaches the whole process group, and the trainer, not
its workers, decides when to stop (it finishes the step, which needs its scores, and saves a
checkpoint). A worker that dies (killed, out of memory) or a batch that takes longer than
``timeout_s`` gets the pool replaced and its batch scored again, counted; a batch that fails twice
is a one-line error.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Sequence

from batcoder.errors import UserError

ATTEMPTS = 2  # a batch is scored at most this many times


def _ignore_stop_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _score(pairs: Sequence[tuple[str, str, str]], metric: str) -> tuple[list[float], float]:
    from batcoder.similarity import score_pairs

    start = time.perf_counter()
    scores = score_pairs(pairs, metric=metric, workers=1)
    return scores, time.perf_counter() - start


@dataclass
class ScoringJob:
    """One submitted batch of ``(reference, candidate, language)`` pairs."""

    pairs: list[tuple[str, str, str]]
    future: Future
    pool: object  # the pool it was submitted to (None: scored in the calling process)
    rescored: int = 0


class SimilarityScorer:
    """``submit(pairs)`` → a job; ``result(job)`` → ``(scores, seconds spent scoring, times rescored)``.

    ``workers`` > 0 scores in that many spawned worker processes (spawn, not fork: the parent has
    torch's thread pools running); 0 scores synchronously in the calling process.
    """

    def __init__(self, metric: str, workers: int, *, timeout_s: float | None = None):
        self.metric = metric
        self.workers = workers
        self.timeout_s = timeout_s
        self._pool = self._start() if workers > 0 else None

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_stop_signals
        )

    def submit(self, pairs: Sequence[tuple[str, str, str]]) -> ScoringJob:
        pairs = list(pairs)
        if self._pool is not None:
            try:
                return ScoringJob(pairs, self._pool.submit(_score, pairs, self.metric), self._pool)
            except BrokenProcessPool:  # a worker died while idle
                self._replace_pool()
                return ScoringJob(pairs, self._pool.submit(_score, pairs, self.metric), self._pool, rescored=1)
        future: Future = Future()
        future.set_result(_score(pairs, self.metric))
        return ScoringJob(pairs, future, None)

    def result(self, job: ScoringJob) -> tuple[list[float], float, int]:
        while True:
            try:
                scores, seconds = job.future.result(timeout=self.timeout_s if job.pool is not None else None)
                return scores, seconds, job.rescored
            except (BrokenProcessPool, FutureTimeout) as error:
                failure = "a reward worker died" if isinstance(error, BrokenProcessPool) else f"scoring took over {self.timeout_s:g} s"
                if job.rescored + 1 >= ATTEMPTS:
                    raise UserError(
                        f"similarity scoring of a batch of {len(job.pairs)} pairs failed {ATTEMPTS} times ({failure}); "
                        "raise rollout.reward_timeout_s or set rollout.reward_workers=0 to score in the main process"
                    ) from None
                if job.pool is self._pool:  # the first job to notice replaces the pool; later ones just resubmit
                    self._replace_pool()
                job.future, job.pool = self._pool.submit(_score, job.pairs, self.metric), self._pool
                job.rescored += 1

    def _replace_pool(self) -> None:
        self._terminate(self._pool)
        self._pool = self._start()

    @staticmethod
    def _terminate(pool: ProcessPoolExecutor) -> None:
        # A hung worker never reads the shutdown sentinel: end the workers themselves.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (for tests that kill one)."""
        return [p.pid for p in getattr(self._pool, "_processes", {}).values()] if self._pool is not None else []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "SimilarityScorer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
