"""The metric interface: a metric module in ``batcoder/similarity/metrics/`` exposes ``METRIC``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Metric:
    """A similarity between a reference program and a candidate, in [0, 1]."""

    name: str
    score: Callable[[str, str, str], float]  # (reference, candidate, language) -> [0, 1]
    symmetric: bool  # score(a, b) == score(b, a)
    description: str  # one line: what the metric compares
    explain: Callable[[str, str, str], str] | None = None  # human-readable account of a score
    # scores many (reference, candidate, language) pairs at once, faster than one by one (exec runs the
    # candidates of one reference together); same values as ``score``
    score_many: Callable[[list[tuple[str, str, str]]], list[float]] | None = None
