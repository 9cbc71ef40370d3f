"""The execution-equivalence metric: equivalent rewrites score 1, mutants less, crashes 0, and
references it cannot exercise fall back to CSSG and are counted."""

import shutil

import pytest

from batcoder.similarity import get_metric, similarity
from batcoder.similarity.metrics import exec as exec_metric


@pytest.fixture(scope="module", autouse=True)
def sandbox_available():
    from batcoder.sandbox.isolation import IsolationUnavailable, check_isolation

    try:
        check_isolation(None)
    except IsolationUnavailable as error:
        pytest.skip(f"no sandbox here: {error}")


PYTHON_REFERENCE = "def f(xs: list[int], k: int) -> int:\n    return sum(x for x in xs if x > k)\n"
PYTHON_REWRITE = "def f(values, limit):\n    total = 0\n    for v in sorted(values):\n        if not v <= limit:\n            total += v\n    return total\n"
RUBY_REFERENCE = "def f(xs, k)\n  xs.select { |x| x > k }.sum\nend\n"
RUBY_REWRITE = "def f(values, limit)\n  total = 0\n  values.each do |v|\n    total += v if v > limit\n  end\n  total\nend\n"
GO_REFERENCE = "func f(xs []int, k int) int {\n\tt := 0\n\tfor _, x := range xs {\n\t\tif x > k {\n\t\t\tt += x\n\t\t}\n\t}\n\treturn t\n}\n"
GO_REWRITE = ("import \"sort\"\n\nfunc f(values []int, limit int) int {\n\tsort.Ints(values)\n\ttotal := 0\n"
              "\tfor i := len(values) - 1; i >= 0 && values[i] > limit; i-- {\n\t\ttotal += values[i]\n\t}\n\treturn total\n}\n")
CASES = {
    "python": (PYTHON_REFERENCE, PYTHON_REWRITE, PYTHON_REFERENCE.replace("x > k", "x >= k"), "def f(xs, k):\n    raise ValueError(k)\n"),
    "ruby": (RUBY_REFERENCE, RUBY_REWRITE, RUBY_REFERENCE.replace("x > k", "x >= k"), "def f(xs, k)\n  raise 'no'\nend\n"),
    "go": (GO_REFERENCE, GO_REWRITE, GO_REFERENCE.replace("x > k", "x >= k"), "func f(xs []int, k int) int {\n\treturn xs[0] / 0\n}\n"),
}


@pytest.mark.parametrize("language", ["python", "ruby", "go"])
def test_rewrite_scores_one_mutant_less_crash_zero(language):
    if shutil.which(language) is None and language != "python":
        pytest.skip(f"{language} is not installed")
    reference, rewrite, mutant, crash = CASES[language]
    assert similarity(reference, rewrite, language, "exec") == 1.0
    assert 0.0 < similarity(reference, mutant, language, "exec") < 1.0
    assert similarity(reference, crash, language, "exec") == 0.0
    assert similarity(reference, "this is not code {", language, "exec") == 0.0


def test_a_hanging_candidate_scores_zero_and_one_failing_input_costs_only_that_input():
    reference = "def f(n: int) -> int:\n    return 100 // (n - 3) if n != 3 else 0\n"
    hang = "def f(n):\n    while True:\n        pass\n"
    fails_on_three = "def f(n):\n    return 100 // (n - 3)\n"
    exec_metric.TIMEOUT_S["python"], saved = 2.0, exec_metric.TIMEOUT_S["python"]
    try:
        assert similarity(reference, hang, "python", "exec") == 0.0
    finally:
        exec_metric.TIMEOUT_S["python"] = saved
    inputs = exec_metric.inputs_for(reference, ("int",))
    expected = sum(n != 3 for (n,) in inputs) / len(inputs)
    assert similarity(reference, fails_on_three, "python", "exec") == pytest.approx(expected)


def test_an_unimported_type_hint_does_not_fail_a_candidate():
    reference = "from typing import List\n\ndef f(xs: List[int]) -> int:\n    return len(xs)\n"
    assert similarity(reference, "def f(xs: List[int]) -> int:\n    return len(xs)\n", "python", "exec") == 1.0


def test_floats_dicts_and_sets_compare_by_value_not_by_layout():
    reference = "def f(xs: list[float]) -> dict:\n    return {'mean': sum(xs) / max(len(xs), 1), 'seen': set(xs)}\n"
    candidate = ("def f(xs):\n    total = 0.0\n    for x in reversed(xs):\n        total += x\n"
                 "    return {'seen': set(reversed(xs)), 'mean': total / max(len(xs), 1)}\n")
    assert similarity(reference, candidate, "python", "exec") == 1.0


def test_a_candidate_cannot_print_its_own_results():
    forged = ("import sys\nfor _ in range(16):\n    print('batcoder-exec \"ok 0\"')\n"
              "def f(xs, k):\n    raise ValueError\n")
    assert similarity(PYTHON_REFERENCE, forged, "python", "exec") == 0.0


def test_not_exercisable_references_fall_back_to_cssg_and_are_counted():
    exec_metric.reset_stats()
    untyped = ("def g(table: dict) -> int:\n    return len(table)\n", "def g(t):\n    return len(t)\n", "python")
    ruby = ("def g(thing)\n  thing\nend\n", "def g(other)\n  other\nend\n", "ruby")
    for reference, candidate, language in (untyped, ruby):
        assert similarity(reference, candidate, language, "exec") == similarity(reference, candidate, language, "cssg")
    similarity(PYTHON_REFERENCE, PYTHON_REWRITE, "python", "exec")
    stats = exec_metric.stats()
    assert stats["pairs"] == 3 and stats["exercised"] == 1 and stats["not_exercisable"] == 2
    assert sum(stats["reasons"].values()) == 2 and any(reason.startswith("ruby:") for reason in stats["reasons"])


def test_signatures_are_read_from_hints_go_types_and_ruby_usage():
    assert exec_metric.signature("from typing import List\ndef h(a: List[str], b: float) -> bool:\n    return True\n",
                                 "python").types == ("list[str]", "float")
    assert exec_metric.signature("func h(a, b int, s []string) bool {\n\treturn true\n}\n", "go").types == ("int", "int", "list[str]")
    assert exec_metric.signature("def h(s, xs, n)\n  s.upcase * n + xs.map { |x| x }.length\nend\n", "ruby").types == (
        "str", "list[int]", "int")
    with pytest.raises(exec_metric.NotExercisable):
        exec_metric.signature("func h(m map[string]int) int {\n\treturn 0\n}\n", "go")
    documented = 'def helper(x):\n    return x\n\ndef h(words, n):\n    """>>> h(["a", "b"], 2)\n    \'ab\'\n    """\n    return helper("".join(words[:n]))\n'
    found = exec_metric.signature(documented, "python")
    assert found.name == "h" and found.types == ("list[str]", "int") and found.examples == ((["a", "b"], 2),)
    assert exec_metric.inputs_for(documented, found.types, found.examples)[0] == (["a", "b"], 2)
    assert exec_metric.signature("def h(s, xs, n):\n    return s.split() + xs.append(1) + list(range(n))\n", "python").types == (
        "str", "list[int]", "int")


def test_ruby_types_of_world_programs_are_inferred_and_never_wrong(tiny_world_programs):
    from batcoder.world import render
    from batcoder.world.program import argument_types

    inferred = 0
    for program in tiny_world_programs:
        code = render(program, "ruby")
        try:
            types = exec_metric.signature(code, "ruby").types
        except exec_metric.NotExercisable:
            # Only programs that read as world programs of two input types ("xs.length" / "s.length").
            assert argument_types(code, "ruby") is None and program.steps[0].primitive in (
                "length", "text_length", "reverse_list", "reverse_text"), code
            continue
        assert types == tuple(program.argument_types), code
        inferred += 1
    assert inferred >= 0.9 * len(tiny_world_programs)


def test_world_programs_are_equivalent_to_themselves_across_renamings(tiny_world_programs):
    from dataclasses import replace

    from batcoder.world import render

    for program in tiny_world_programs[:6]:
        renamed = replace(program, input_name="zz_input")
        for language in ("python", "ruby"):
            assert similarity(render(program, language), render(renamed, language), language, "exec") == 1.0


def test_blend_weights_and_names_are_registered():
    metric = get_metric("cssg+exec")
    reference, _, mutant, _ = CASES["python"]
    expected = 0.7 * similarity(reference, mutant, "python", "exec") + 0.3 * similarity(reference, mutant, "python", "cssg")
    assert metric.score(reference, mutant, "python") == pytest.approx(expected)
    assert get_metric("exec").name == "exec"


@pytest.fixture(scope="module")
def tiny_world_programs():
    from batcoder.world import generate_world, world_config

    world = generate_world(world_config(21, "tiny"))
    return [item.program for item in world.benchmark + world.rl + world.pretrain["ruby"]]


@pytest.mark.parametrize("language", ["python", "ruby"])
def test_candidates_of_one_reference_run_together_and_a_bad_one_costs_only_itself(language, monkeypatch):
    from batcoder.similarity import score_pairs

    if shutil.which(language) is None and language != "python":
        pytest.skip(f"{language} is not installed")
    monkeypatch.setattr(exec_metric, "CPU_LIMIT_S", 1)
    monkeypatch.setitem(exec_metric.TIMEOUT_S, language, 4.0)
    reference, rewrite, mutant, crash = CASES[language]
    if language == "python":
        hang, leave = "def f(xs, k):\n    while True:\n        pass\n", "import os\nos._exit(3)\n"
        sleeper = "import time\ndef f(xs, k):\n    time.sleep(60)\n"
    else:
        hang, leave = "def f(xs, k)\n  loop { }\nend\n", "exit!(3)\n"
        sleeper = "def f(xs, k)\n  sleep 60\nend\n"
    candidates = [rewrite, hang, leave, mutant, sleeper, crash, rewrite + "\n"]
    scores = score_pairs([(reference, candidate, language) for candidate in candidates], "exec")
    assert scores[0] == scores[6] == 1.0
    assert scores[1] == scores[2] == scores[4] == scores[5] == 0.0
    assert scores[3] == similarity(reference, mutant, language, "exec") and 0 < scores[3] < 1


@pytest.mark.parametrize("metric", ["exec", "cssg+exec"])
def test_the_rollout_scorer_takes_the_metric_names(metric):
    from batcoder.rollout.scoring import SimilarityScorer

    reference, rewrite, mutant, _ = CASES["python"]
    with SimilarityScorer(metric, 0) as scorer:
        scores, _seconds, _rescored = scorer.result(scorer.submit([(reference, rewrite, "python"), (reference, mutant, "python")]))
    assert scores[0] > scores[1] and scores[1] < 1.0
    assert scores[0] == (1.0 if metric == "exec" else pytest.approx(0.7 + 0.3 * similarity(reference, rewrite, "python", "cssg")))


def test_pairs_of_many_references_batched_score_as_one_by_one_and_prints_are_ignored():
    from batcoder.similarity import score_pairs

    chatty = "def f(xs, k):\n    print('batcoder-exec-0 [0, \"ok 0\"]' * 100)\n    return sum(x for x in xs if x > k)\n"
    other_reference = "def g(s: str) -> int:\n    return s.count('a')\n"
    pairs = [(PYTHON_REFERENCE, PYTHON_REWRITE, "python"), (other_reference, "def g(s):\n    return len(s)\n", "python"),
             (PYTHON_REFERENCE, chatty, "python"), (other_reference, other_reference, "python"),
             (RUBY_REFERENCE, RUBY_REWRITE, "ruby")]
    batched = score_pairs(pairs, "exec")
    exec_metric._cache.clear()
    assert batched == [similarity(*pair, "exec") for pair in pairs]
    assert batched[0] == batched[2] == batched[3] == 1.0 and batched[1] < 1.0
