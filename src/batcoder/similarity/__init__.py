r"""Code similarity metrics behind one interface; CSSG (structure graphs) is the default.

>>> similarity("def f(a):\n    return a + 1", "def g(x):\n    return x + 1", "python")
1.0
"""

from __future__ import annotations

from typing import Iterator, Sequence

from batcoder.similarity.base import Metric
from batcoder.registry import unknown_choice
from batcoder.similarity.metrics import registry

DEFAULT_METRIC = "cssg"


def available_metrics() -> list[str]:
    return sorted(registry())


def get_metric(name: str) -> Metric:
    metric = registry().get(name.lower())
    if metric is None:
        raise ValueError(unknown_choice("similarity metric", name, available_metrics()))
    return metric


def similarity(reference: str, candidate: str, language: str, metric: str = DEFAULT_METRIC) -> float:
    """How similar ``candidate`` is to ``reference`` (both source code in ``language``), in [0, 1].
    Empty, non-string or unparseable code scores 0.0; an unknown metric or language is a ValueError."""
    scorer = get_metric(metric).score
    if not isinstance(reference, str) or not isinstance(candidate, str):
        return 0.0
    try:
        score = scorer(reference, candidate, language)
    except UnicodeEncodeError:  # lone surrogates: not text any parser can read
        return 0.0
    return min(1.0, max(0.0, float(score)))


def _score_chunk(task: tuple[list[tuple[str, str, str]], str]) -> list[float]:
    pairs, metric = task
    many = get_metric(metric).score_many
    if many is None:
        return [similarity(reference, candidate, language, metric) for reference, candidate, language in pairs]
    # The same guards as similarity(): non-strings score 0, scores are clipped to [0, 1].
    valid = [i for i, (reference, candidate, _) in enumerate(pairs) if isinstance(reference, str) and isinstance(candidate, str)]
    scores = [0.0] * len(pairs)
    for index, value in zip(valid, many([pairs[i] for i in valid])):
        scores[index] = min(1.0, max(0.0, float(value)))
    return scores


def iter_scores(
    pairs: Sequence[tuple[str, str, str]], metric: str = DEFAULT_METRIC, workers: int = 1, chunk_size: int = 256
) -> Iterator[float]:
    """Scores of ``(reference, candidate, language)`` pairs, yielded in input order as they are ready.

    With ``workers > 1`` chunks of pairs are scored by a pool of fresh (spawned) processes — safe to
    use from a process that already runs threads (torch, tokenizers). Each worker caches the features
    of the programs it has seen, so keep the K candidates of one reference adjacent.
    """
    get_metric(metric)  # fail fast, in this process, on an unknown name
    pairs = [tuple(pair) for pair in pairs]
    tasks = [(pairs[start : start + chunk_size], metric) for start in range(0, len(pairs), chunk_size)]
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield from _score_chunk(task)
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(min(workers, len(tasks))) as pool:
        for chunk in pool.imap(_score_chunk, tasks):
            yield from chunk


def score_pairs(
    pairs: Sequence[tuple[str, str, str]], metric: str = DEFAULT_METRIC, workers: int = 1, chunk_size: int = 256
) -> list[float]:
    """Scores of ``(reference, candidate, language)`` pairs, in input order (see :func:`iter_scores`)."""
    return list(iter_scores(pairs, metric, workers, chunk_size))


__all__ = ["DEFAULT_METRIC", "Metric", "available_metrics", "get_metric", "iter_scores", "score_pairs", "similarity"]
