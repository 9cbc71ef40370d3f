"""The pieces of bench/similarity.py that its numbers rest on: AUROC, rewrites and mutants."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "similarity.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_similarity", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_auroc_matches_counting_pairs_with_ties_as_half(bench):
    generator = np.random.default_rng(0)
    scores = generator.integers(0, 5, size=60).astype(float)  # many ties
    labels = generator.integers(0, 2, size=60)
    positives, negatives = scores[labels == 1], scores[labels == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    assert bench.auroc(scores, labels) == pytest.approx(wins / (len(positives) * len(negatives)))
    assert bench.auroc(np.array([0.1, 0.2, 0.9, 1.0]), np.array([0, 0, 1, 1])) == 1.0


REFERENCE = '''def evens(numbers, limit):
    """Even numbers below the limit."""
    found = [n for n in numbers if n % 2 == 0]
    total = 0
    for n in found:
        if n < limit:
            total += n
        else:
            total -= 1
    return found, total
'''


def test_rewrites_keep_the_structure_while_mutants_change_one_point(bench):
    rewrites = bench.rewrites(REFERENCE)
    assert set(rewrites) == {
        "rename+comments+docstring", "equivalent constructs", "comprehension<->loop", "all combined"
    }
    renamed = rewrites["rename+comments+docstring"]
    assert "numbers" not in renamed and "total" not in renamed and "# step" in renamed
    assert "total = total + n" in rewrites["equivalent constructs"] and "limit > n" in rewrites["equivalent constructs"]
    assert "found.append(n)" in rewrites["comprehension<->loop"]
    mutants = bench.mutants(REFERENCE, seed="test")
    assert len(mutants) == bench.MUTANTS_PER_PROBLEM
    assert {name.split(" #")[0] for name in mutants} == {  # every kind that applies (no and/or here)
        "changed comparison", "dropped statement", "off-by-one constant", "operator flip", "swapped branches"
    }
    normalised_reference = ast.unparse(ast.parse(REFERENCE))
    for code in mutants.values():
        assert code != normalised_reference
        ast.parse(code)
