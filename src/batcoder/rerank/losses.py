"""The reranker's training objectives and held-out metrics: small pure functions on score tensors/lists."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def pairwise_loss(passing_scores: torch.Tensor, failing_scores: torch.Tensor) -> torch.Tensor:
    """Bradley–Terry: the mean of ``-log sigmoid(s(pass) - s(fail))`` over aligned pairs of one problem."""
    return -F.logsigmoid(passing_scores - failing_scores).mean()


def pointwise_loss(scores: torch.Tensor, passed: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of ``sigmoid(score)`` against the pass label."""
    return F.binary_cross_entropy_with_logits(scores, passed.to(scores.dtype))


def _orderings(scores: Sequence[float], labels: Sequence[bool]) -> tuple[float, int]:
    """(sum over passing x failing pairs of 1 if the passing one scores higher, 1/2 on a tie; pair count)."""
    passing = [score for score, label in zip(scores, labels) if label]
    failing = [score for score, label in zip(scores, labels) if not label]
    wins = sum((good > bad) + 0.5 * (good == bad) for good in passing for bad in failing)
    return float(wins), len(passing) * len(failing)


def pairwise_accuracy(groups: Sequence[tuple[Sequence[float], Sequence[bool]]]) -> float | None:
    """Fraction of (passing, failing) pairs of one problem the scores order correctly (ties count
    half), over all problems' pairs; ``None`` when no problem has both kinds."""
    wins = pairs = 0.0
    for scores, labels in groups:
        won, count = _orderings(scores, labels)
        wins, pairs = wins + won, pairs + count
    return wins / pairs if pairs else None


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve of ``scores`` for the pass label, across problems (the Mann–Whitney
    statistic, ties counting half); ``None`` without both labels."""
    wins, pairs = _orderings(scores, labels)
    return wins / pairs if pairs else None


def top1_pass_rate(groups: Sequence[tuple[Sequence[float], Sequence[bool]]]) -> float | None:
    """Fraction of problems whose highest-scored candidate passes (the first one on a tie)."""
    if not groups:
        return None
    picks = [labels[max(range(len(scores)), key=lambda index: (scores[index], -index))] for scores, labels in groups]
    return sum(map(bool, picks)) / len(picks)
