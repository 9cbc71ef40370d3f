"""Exact match after normalisation: the same tokens, comments and layout ignored."""

from __future__ import annotations

from batcoder.similarity.base import Metric
from batcoder.similarity.tokens import code_tokens


def score(reference: str, candidate: str, language: str) -> float:
    tokens = code_tokens(language, reference)[0]
    return float(bool(tokens) and tokens == code_tokens(language, candidate)[0])


METRIC = Metric(
    name="exact",
    score=score,
    symmetric=True,
    description="1 when the token sequences match with comments and whitespace ignored, else 0",
)
