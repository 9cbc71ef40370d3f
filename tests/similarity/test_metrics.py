"""The metric registry, the reference metrics and score_pairs."""

from __future__ import annotations

import pytest

from batcoder.similarity import available_metrics, get_metric, score_pairs, similarity

REFERENCE = "def add(a, b):\n    # sum\n    return a + b\n"
REFORMATTED = "def add(a,b):  return a+b\n"
RENAMED = "def add(x, y):\n    return x + y\n"
OTHER = "def shout(text):\n    return text.upper() + '!'\n"


def test_registry_lists_every_metric_and_rejects_unknown_names():
    assert available_metrics() == ["bleu", "chrf", "codebleu", "cssg", "cssg+exec", "exact", "exec"]
    with pytest.raises(ValueError, match="unknown similarity metric 'nope'.*cssg"):
        similarity(REFERENCE, REFERENCE, "python", metric="nope")
    with pytest.raises(ValueError, match="unknown language"):
        similarity(REFERENCE, REFERENCE, "cobol")


@pytest.mark.parametrize("metric", ["bleu", "chrf", "codebleu", "cssg", "exact", "exec", "cssg+exec"])
def test_every_metric_is_one_on_identical_code_zero_on_broken_code_and_in_range(metric):
    assert similarity(REFERENCE, REFERENCE, "python", metric) == pytest.approx(1.0)
    for broken in ("", "def add(a, b:", None):
        assert similarity(REFERENCE, broken, "python", metric) == 0.0
    for other in (REFORMATTED, RENAMED, OTHER):
        assert 0.0 <= similarity(REFERENCE, other, "python", metric) <= 1.0


def test_exact_ignores_comments_and_layout_but_not_names():
    assert similarity(REFERENCE, REFORMATTED, "python", "exact") == 1.0
    assert similarity(REFERENCE, RENAMED, "python", "exact") == 0.0


@pytest.mark.parametrize("metric", ["bleu", "chrf", "codebleu"])
def test_token_metrics_rank_a_renaming_above_an_unrelated_program_and_ignore_comments(metric):
    assert similarity(REFERENCE, REFORMATTED, "python", metric) == pytest.approx(1.0)
    assert similarity(REFERENCE, RENAMED, "python", metric) > similarity(REFERENCE, OTHER, "python", metric)


def test_codebleu_components_see_structure_and_data_flow_through_renaming():
    from batcoder.similarity.metrics import codebleu

    assert codebleu.syntax_match(REFERENCE, RENAMED, "python") == 1.0
    assert codebleu.dataflow_items("python", REFERENCE) == codebleu.dataflow_items("python", RENAMED)
    assert codebleu.weighted_unigram(REFERENCE, RENAMED, "python") < 1.0


def test_symmetry_flags_match_behaviour():
    for metric in available_metrics():
        a, b = REFERENCE, RENAMED + "\nx = 1\n"
        if get_metric(metric).symmetric:
            assert similarity(a, b, "python", metric) == similarity(b, a, "python", metric)


def test_score_pairs_keeps_input_order_with_one_and_several_workers():
    pairs = [(REFERENCE, candidate, "python") for candidate in (REFERENCE, RENAMED, OTHER, "")] * 3
    pairs.append(("def f():\n  1\nend\n", "def f():\n  1\nend\n", "ruby"))
    expected = [similarity(*pair) for pair in pairs]
    assert score_pairs(pairs) == expected
    assert score_pairs(pairs, workers=2, chunk_size=4) == expected
    assert score_pairs([]) == []


def test_the_syntax_roles_cssg_reads_name_real_grammar_nodes_and_fields():
    from batcoder.languages import available_languages, get_language

    for name in available_languages():
        language = get_language(name)
        grammar, roles = language.ts_language, language.roles
        for position in roles.definition_target | roles.member_name:
            node_type, field_name = position.split(".")
            assert grammar.id_for_node_kind(node_type, True) is not None, (name, position)
            assert grammar.field_id_for_name(field_name) is not None, (name, position)
        for node_type in roles.transparent:
            assert grammar.id_for_node_kind(node_type, True) is not None, (name, node_type)
