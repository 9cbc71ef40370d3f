"""Metric registry: every module in this package that defines ``METRIC`` is an available metric."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from batcoder.similarity.base import Metric


@cache
def registry() -> dict[str, Metric]:
    metrics = {}
    for module_info in pkgutil.iter_modules(__path__):
        metric = getattr(importlib.import_module(f"{__name__}.{module_info.name}"), "METRIC", None)
        if isinstance(metric, Metric):
            metrics[metric.name] = metric
    return metrics
