"""Sentence-level chrF (sacrebleu) over the comment-free, whitespace-normalised code, scaled to [0, 1]."""

from __future__ import annotations

from functools import cache

from batcoder.similarity.base import Metric
from batcoder.similarity.tokens import code_tokens


@cache
def _chrf():
    from sacrebleu.metrics import CHRF

    return CHRF()


def score(reference: str, candidate: str, language: str) -> float:
    reference_tokens, candidate_tokens = code_tokens(language, reference)[0], code_tokens(language, candidate)[0]
    if not reference_tokens or not candidate_tokens:
        return 0.0
    return _chrf().sentence_score(" ".join(candidate_tokens), [" ".join(reference_tokens)]).score / 100


METRIC = Metric(
    name="chrf",
    score=score,
    symmetric=False,
    description="sentence chrF (character n-gram F-score) of the candidate against the reference (sacrebleu)",
)
