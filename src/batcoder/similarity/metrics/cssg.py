"""CSSG: similarity of code structure graphs with a Weisfeiler–Lehman subtree kernel.

Each program becomes a graph (:mod:`batcoder.similarity.graph`): normalised syntax nodes joined by
syntax, statement-order, control-dependence and data-dependence edges, so renaming, formatting,
comments and docstrings leave it unchanged. The Weisfeiler–Lehman relabelling then gives every node,
for ``h = 0 .. ITERATIONS``, a label summarising its ``h``-hop neighbourhood (each neighbour seen
through the kind and direction of the edge that leads to it). With ``A_h`` and ``B_h`` the label
multisets of the two programs at iteration ``h``, the score is the mean over ``h`` of the Dice
coefficient ``2 |A_h ∩ B_h| / (|A_h| + |B_h|)``:

* 1.0 exactly when the two graphs are WL-indistinguishable (the same program up to the
  normalisation); any change of a node label, of a node's neighbourhood within ``ITERATIONS`` hops or
  of the node count makes it strictly smaller;
* symmetric, in [0, 1]; 0.0 when either side is empty or does not parse;
* a local change (one operator, one constant) costs little at ``h = 0`` and more at higher ``h``, as it
  spreads to the labels of the nodes around it, so a single-point edit lands just below 1.0 while
  unrelated programs share almost nothing beyond ``h = 0``.

Initial labels are 63-bit ids from blake2b and the WL steps are wrapping uint64 arithmetic (numpy),
so scores never depend on ``PYTHONHASHSEED`` and are identical across processes. The WL labels of a
program are cached (LRU keyed by ``(language, code)``): a reference scored against K candidates is
analysed once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain

import numpy as np

from batcoder.languages import get_language
from batcoder.similarity.base import Metric
from batcoder.similarity.graph import CONTROL, DATA, SEQ, Graph, build_graph, stable_id

ITERATIONS = 3  # WL rounds; labels of rounds 0..ITERATIONS all count equally
CACHE_SIZE = 4096  # programs whose features are kept
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Features:
    """What scoring needs of a program (kept small: thousands are cached)."""

    size: int  # number of graph nodes
    labels: np.ndarray  # the distinct WL labels of all rounds, sorted
    counts: np.ndarray  # how often each of ``labels`` occurs


@cache
def _forward_code(kind: str) -> int:
    """The code of following an edge of ``kind`` from its source to its target."""
    return stable_id(">" + kind)


@cache
def _backward_code(kind: str) -> int:
    return stable_id("<" + kind)


def _mix(values: np.ndarray) -> np.ndarray:
    """A fixed, well-spread permutation of uint64 values (multiply, xor-shift)."""
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    return values ^ (values >> np.uint64(31))


@lru_cache(maxsize=CACHE_SIZE)
def features(language: str, code: str) -> Features | None:
    """WL labels of ``code``'s structure graph; None when it is empty or unparseable."""
    graph = build_graph(get_language(language), code)
    if graph is None:
        return None
    # Labels of different rounds are distinct hashes, so one multiset over all rounds serves all.
    labels, counts = np.unique(np.concatenate(wl_rounds(graph)), return_counts=True)
    return Features(len(graph), labels, counts)


def wl_rounds(graph: Graph) -> list[np.ndarray]:
    """The uint64 node labels after each WL round (round 0: the initial labels)."""
    # Every edge is followed in both directions: a neighbour's label is xor-ed with a random code for
    # the edge's kind and direction, these are summed (an order-free hash of the neighbour multiset)
    # and mixed with the node's own label. All arithmetic is uint64 and wraps.
    sources, targets, kinds = zip(*graph.edges)
    receivers = np.array(sources + targets, dtype=np.intp)
    senders = np.array(targets + sources, dtype=np.intp)
    codes = np.fromiter(chain(map(_forward_code, kinds), map(_backward_code, kinds)), np.uint64, 2 * len(kinds))
    labels = np.fromiter(map(stable_id, graph.labels), np.uint64, len(graph.labels))
    rounds = [labels]
    for _ in range(ITERATIONS):  # (array arithmetic wraps silently; only scalar overflow would warn)
        gathered = np.zeros(len(labels), dtype=np.uint64)
        np.add.at(gathered, receivers, codes ^ labels[senders])
        labels = _mix(labels * _MULTIPLIER + gathered)
        rounds.append(labels)
    return rounds


def _common(a_labels: np.ndarray, a_counts: np.ndarray, b_labels: np.ndarray, b_counts: np.ndarray) -> int:
    """Size of the multiset intersection of two (sorted distinct labels, counts) multisets."""
    _, in_a, in_b = np.intersect1d(a_labels, b_labels, assume_unique=True, return_indices=True)
    return int(np.minimum(a_counts[in_a], b_counts[in_b]).sum())


def _dice_per_round(rounds_a: list[np.ndarray], rounds_b: list[np.ndarray]) -> list[float]:
    total = len(rounds_a[0]) + len(rounds_b[0])
    per_round = []
    for round_a, round_b in zip(rounds_a, rounds_b):
        labels_a, counts_a = np.unique(round_a, return_counts=True)
        labels_b, counts_b = np.unique(round_b, return_counts=True)
        per_round.append(2 * _common(labels_a, counts_a, labels_b, counts_b) / total)
    return per_round


def score(reference: str, candidate: str, language: str) -> float:
    a, b = features(language, reference), features(language, candidate)
    if a is None or b is None:
        return 0.0
    # Every round has |A| + |B| labels, so the Dice coefficient of the pooled multisets is the mean
    # of the per-round coefficients.
    return 2 * _common(a.labels, a.counts, b.labels, b.counts) / ((ITERATIONS + 1) * (a.size + b.size))


def _statement_signatures(graph: Graph) -> list[tuple[str, ...]]:
    """For each statement, the sorted labels of its syntax subtree (what "the same statement" means
    for the explanation: equal up to names, layout and the canonical rewrites)."""
    children: dict[int, list[int]] = {}
    for source, target, kind in graph.edges:
        if kind not in (DATA, CONTROL, SEQ):
            children.setdefault(source, []).append(target)
    signatures = []
    for statement in graph.statements:
        labels, stack = [], [statement]
        while stack:
            node = stack.pop()
            labels.append(graph.labels[node])
            stack.extend(children.get(node, ()))
        signatures.append(tuple(sorted(labels)))
    return signatures


def _unmatched_rows(mine: Graph, theirs: Graph, code: str) -> list[str]:
    """Source lines of statements that have no counterpart with the same subtree on the other side."""
    available = Counter(_statement_signatures(theirs))
    lines = code.splitlines()
    missing = []
    for node, signature in zip(mine.statements, _statement_signatures(mine)):
        if available[signature] > 0:
            available[signature] -= 1
        else:
            row = mine.rows[node]
            missing.append(f"  line {row + 1}: {lines[row].strip() if row < len(lines) else ''}")
    return missing


def explain(reference: str, candidate: str, language: str) -> str:
    """Per-round Dice, node labels found on one side only, and statements without a counterpart."""
    graphs = [build_graph(get_language(language), code, record_rows=True) for code in (reference, candidate)]
    if graphs[0] is None or graphs[1] is None:
        return f"score 0.0: {'A' if graphs[0] is None else 'B'} is empty or does not parse"
    a, b = graphs
    per_round = _dice_per_round(wl_rounds(a), wl_rounds(b))
    out = [f"score {sum(per_round) / len(per_round):.4f}  (nodes: A {len(a)}, B {len(b)})"]
    out += [f"  round {h}: dice {value:.4f}" for h, value in enumerate(per_round)]
    labels_a, labels_b = Counter(a.labels), Counter(b.labels)
    out.append(f"node labels matched: {sum((labels_a & labels_b).values())}")
    for side, only in (("A", labels_a - labels_b), ("B", labels_b - labels_a)):
        out.append(f"node labels only in {side}: " + (", ".join(f"{k} x{v}" for k, v in sorted(only.items())) or "-"))
    out.append("statements of A without a match in B:")
    out += _unmatched_rows(a, b, reference) or ["  -"]
    out.append("statements of B without a match in A:")
    out += _unmatched_rows(b, a, candidate) or ["  -"]
    return "\n".join(out)


METRIC = Metric(
    name="cssg",
    score=score,
    symmetric=True,
    description="code structure graphs (syntax + control/data dependence), Weisfeiler-Lehman kernel",
    explain=explain,
)
