"""CodeBLEU-style score (Ren et al., 2020) on our tree-sitter layer.

The mean of four reference-based components, each in [0, 1]:

* **n-gram**: sentence BLEU-4 of the code tokens (sacrebleu);
* **weighted n-gram**: clipped unigram precision with language keywords weighted 1 and other tokens
  0.2, times BLEU's brevity penalty;
* **syntax**: the share of the reference's syntax subtrees (named node types, leaves' text ignored)
  that also occur in the candidate;
* **data flow**: the share of the reference's data-flow items — (definition, use, use's parent) labels
  from the CSSG graph's data-dependence edges, names normalised — that occur in the candidate. A
  reference without data flow drops this component (the others are averaged).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from batcoder.languages import get_language
from batcoder.similarity.base import Metric
from batcoder.similarity.graph import CONTROL, DATA, SEQ, build_graph
from batcoder.similarity.metrics.bleu import score as bleu_score
from batcoder.similarity.tokens import code_tokens

KEYWORD_WEIGHT, OTHER_WEIGHT = 1.0, 0.2


def weighted_unigram(reference: str, candidate: str, language: str) -> float:
    reference_tokens, reference_keywords = code_tokens(language, reference)
    candidate_tokens = code_tokens(language, candidate)[0]
    if not reference_tokens or not candidate_tokens:
        return 0.0
    weights = {token: KEYWORD_WEIGHT for token, keyword in zip(reference_tokens, reference_keywords) if keyword}
    available = Counter(reference_tokens)
    matched = total = 0.0
    for token, count in Counter(candidate_tokens).items():
        weight = weights.get(token, OTHER_WEIGHT)
        matched += weight * min(count, available[token])
        total += weight * count
    brevity = min(1.0, math.exp(1 - len(reference_tokens) / len(candidate_tokens)))
    return brevity * matched / total


@lru_cache(maxsize=4096)
def syntax_subtrees(language: str, code: str) -> Counter:
    """Multiset of subtree shapes (named node types). Shapes are compared by a hash, only ever
    within one process, so the (collision-free in practice) counts do not depend on the hash seed."""
    lang = get_language(language)
    tree = lang.parse_snippet(code)[0]
    if not code.strip() or tree.root_node.has_error:
        return Counter()
    found: list[int] = []
    comments = lang.roles.comment

    def shape(node) -> int:
        shape_hash = hash((node.type, *(shape(child) for child in node.named_children if child.type not in comments)))
        found.append(shape_hash)
        return shape_hash

    try:
        shape(tree.root_node)
    except RecursionError:  # nesting deeper than Python's recursion limit: not scored
        return Counter()
    return Counter(found)


def syntax_match(reference: str, candidate: str, language: str) -> float:
    reference_shapes = syntax_subtrees(language, reference)
    if not reference_shapes:
        return 0.0
    return sum((reference_shapes & syntax_subtrees(language, candidate)).values()) / sum(reference_shapes.values())


@lru_cache(maxsize=4096)
def dataflow_items(language: str, code: str) -> Counter | None:
    """(definition, use, parent of use) label triples of the data-dependence edges; None if unparseable."""
    graph = build_graph(get_language(language), code)
    if graph is None:
        return None
    parent: dict[int, int] = {}
    for source, target, kind in graph.edges:
        if kind not in (DATA, CONTROL, SEQ):
            parent.setdefault(target, source)
    labels = graph.labels
    return Counter(
        (labels[definition], labels[use], labels[parent[use]] if use in parent else "")
        for definition, use in graph.data_edges
    )


def score(reference: str, candidate: str, language: str) -> float:
    components = [
        bleu_score(reference, candidate, language),
        weighted_unigram(reference, candidate, language),
        syntax_match(reference, candidate, language),
    ]
    if not syntax_subtrees(language, candidate):
        return 0.0
    reference_flow = dataflow_items(language, reference)
    if reference_flow:
        candidate_flow = dataflow_items(language, candidate) or Counter()
        components.append(sum((reference_flow & candidate_flow).values()) / sum(reference_flow.values()))
    return sum(components) / len(components)


METRIC = Metric(
    name="codebleu",
    score=score,
    symmetric=False,
    description="CodeBLEU-style: mean of BLEU, keyword-weighted unigrams, syntax subtree and data-flow match",
)
