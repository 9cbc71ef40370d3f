"""``cssg+exec``: 0.7 · exec + 0.3 · CSSG.

Execution decides correctness, so it carries most of the weight: a correct rewrite that takes another
route (CSSG 0.15, exec 1.0) scores 0.75, above a structurally close but wrong one (CSSG 0.9, exec 0.3:
0.48), which equal weights would rank the other way (0.575 against 0.6). CSSG's share gives partial
credit among candidates that fail the same inputs. Where the reference is not exercisable exec falls
back to CSSG, so the blend is CSSG there.
"""

from __future__ import annotations

from batcoder.similarity.base import Metric

EXEC_WEIGHT = 0.7
CSSG_WEIGHT = 1.0 - EXEC_WEIGHT


def score(reference: str, candidate: str, language: str) -> float:
    from batcoder.similarity import similarity

    return (EXEC_WEIGHT * similarity(reference, candidate, language, "exec")
            + CSSG_WEIGHT * similarity(reference, candidate, language, "cssg"))


def score_many(pairs: list[tuple[str, str, str]]) -> list[float]:
    from batcoder.similarity import similarity
    from batcoder.similarity.metrics.exec import score_many as exec_scores

    return [EXEC_WEIGHT * exec_score + CSSG_WEIGHT * similarity(reference, candidate, language, "cssg")
            for exec_score, (reference, candidate, language) in zip(exec_scores(pairs), pairs)]


METRIC = Metric(
    name="cssg+exec",
    score=score,
    score_many=score_many,
    symmetric=False,
    description="0.7 x exec (execution equivalence) + 0.3 x CSSG",
)
