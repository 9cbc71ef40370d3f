"""Metric registry: every module in this package that defines ``METRIC`` is an available metric."""

from __future__ import annotations

from functools import cache

from batcoder.registry import discover
from batcoder.similarity.base import Metric


@cache
def registry() -> dict[str, Metric]:
    return discover(__name__, "METRIC", lambda metric: isinstance(metric, Metric))
