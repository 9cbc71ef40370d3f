"""Sentence-level BLEU (sacrebleu) over code tokens, scaled to [0, 1]."""

from __future__ import annotations

from functools import cache

from batcoder.similarity.base import Metric
from batcoder.similarity.tokens import code_tokens


@cache
def _bleu():
    from sacrebleu.metrics import BLEU

    return BLEU(tokenize="none", effective_order=True)


def score(reference: str, candidate: str, language: str) -> float:
    reference_tokens, candidate_tokens = code_tokens(language, reference)[0], code_tokens(language, candidate)[0]
    if not reference_tokens or not candidate_tokens:
        return 0.0
    return _bleu().sentence_score(" ".join(candidate_tokens), [" ".join(reference_tokens)]).score / 100


METRIC = Metric(
    name="bleu",
    score=score,
    symmetric=False,
    description="sentence BLEU-4 of the candidate's tokens against the reference's (sacrebleu)",
)
