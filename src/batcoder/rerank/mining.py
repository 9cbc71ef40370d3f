"""Hard-negative mining: the failing candidates the current reranker is fooled by.

A failing candidate is a *hard negative* when the reranker scores it above its problem's best
passing candidate (it would be picked over every correct solution), or — for a problem with no
passing candidate this round — above the median score of the round's passing candidates (it looks
better than a typical correct solution). These are the candidates RewardRanker adds to the training
set; every other candidate is left out.
"""

from __future__ import annotations

from statistics import median
from typing import Sequence


def hard_negatives(task_ids: Sequence[str], passed: Sequence[bool], scores: Sequence[float]) -> list[int]:
    """Indices of the hard negatives among one round's candidates (see the module docstring)."""
    if not len(task_ids) == len(passed) == len(scores):
        raise ValueError(f"need one task id, label and score per candidate, got {len(task_ids)}, {len(passed)}, {len(scores)}")
    best_passing: dict[str, float] = {}
    for task_id, ok, score in zip(task_ids, passed, scores):
        if ok:
            best_passing[task_id] = max(score, best_passing.get(task_id, float("-inf")))
    passing_scores = [score for ok, score in zip(passed, scores) if ok]
    round_median = median(passing_scores) if passing_scores else None
    hard = []
    for index, (task_id, ok, score) in enumerate(zip(task_ids, passed, scores)):
        if ok:
            continue
        bar = best_passing.get(task_id, round_median)
        if bar is not None and score > bar:
            hard.append(index)
    return hard


def add_new(existing: Sequence[dict], additions: Sequence[dict]) -> list[dict]:
    """``additions`` whose (task id, completion) is in neither ``existing`` nor earlier in ``additions``."""
    seen = {(str(row["task_id"]), row["completion"]) for row in existing}
    new = []
    for row in additions:
        key = (str(row["task_id"]), row["completion"])
        if key not in seen:
            seen.add(key)
            new.append(row)
    return new
