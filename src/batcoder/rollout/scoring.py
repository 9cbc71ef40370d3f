"""Similarity rewards computed off the main process, so scoring one chunk of reconstructions
overlaps with generating the next chunk (generation holds the main process; scoring is pure CPU
work in tree-sitter and Python, which would otherwise contend for the GIL)."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Sequence


def _score(pairs: Sequence[tuple[str, str, str]], metric: str) -> tuple[list[float], float]:
    from batcoder.similarity import score_pairs

    start = time.perf_counter()
    scores = score_pairs(pairs, metric=metric, workers=1)
    return scores, time.perf_counter() - start


class SimilarityScorer:
    """``submit(pairs)`` → future of ``(scores, seconds spent scoring)``.

    ``workers`` > 0 scores in that many spawned worker processes (spawn, not fork: the parent has
    torch's thread pools running); 0 scores synchronously in the calling process.
    """

    def __init__(self, metric: str, workers: int):
        self.metric = metric
        self._pool = None
        if workers > 0:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, pairs: Sequence[tuple[str, str, str]]) -> Future:
        if self._pool is not None:
            return self._pool.submit(_score, list(pairs), self.metric)
        future: Future = Future()
        future.set_result(_score(pairs, self.metric))
        return future

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "SimilarityScorer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
