import json

import pytest

from batcoder.errors import UserError
from batcoder.rerank.candidates import count_problems, failure_kind, group_by_problem, is_held_out, make_pairs, read_candidates


@pytest.mark.parametrize("result, parses, kind", [
    ("passed", True, None),
    ("timed out", True, "timeout"),
    ("failed: AssertionError (exit status 1)", True, "wrong_answer"),
    ("failed: AssertionError (exit status 1)", False, "syntax"),
    ("failed: SyntaxError: invalid syntax (exit status 1)", True, "syntax"),
    ("failed: IndentationError: unexpected indent (exit status 1)", True, "syntax"),
    ("failed: ZeroDivisionError: division by zero (exit status 1)", True, "exception"),
    ("failed: NameError: name 'x' is not defined (exit status 1)", True, "exception"),
    ("failed: exit status 1", True, "wrong_answer"),  # Ruby/Go harnesses report failed checks on stdout
    ("failed: FAIL (exit status 1)", True, "wrong_answer"),
    ("failed: ./x_test.go:3:1: syntax error: non-declaration statement outside function body (exit status 1)", True, "syntax"),
    ("failed: killed by SIGKILL", True, "exception"),
])
def test_failure_kind(result, parses, kind):
    assert failure_kind(result, parses) == kind


def test_make_pairs_is_every_passing_failing_combination():
    assert make_pairs([True, False, True, False]) == [(0, 1), (0, 3), (2, 1), (2, 3)]
    assert make_pairs([True, True]) == [] and make_pairs([False, False]) == [] and make_pairs([]) == []


def test_make_pairs_subsample_is_seeded_and_a_subset():
    labels = [True] * 5 + [False] * 5
    every = set(make_pairs(labels))
    some = make_pairs(labels, max_pairs=7, seed=3)
    assert len(some) == 7 == len(set(some)) and set(some) <= every
    assert some == make_pairs(labels, max_pairs=7, seed=3) and some != make_pairs(labels, max_pairs=7, seed=4)
    assert make_pairs(labels, max_pairs=100) == make_pairs(labels)


def test_count_problems_separates_mixed_all_pass_and_all_fail():
    rows = [{"task_id": "a", "passed": True}, {"task_id": "a", "passed": False, "failure": "syntax"},
            {"task_id": "b", "passed": True}, {"task_id": "c", "passed": False, "failure": "timeout"},
            {"task_id": "c", "passed": False, "failure": "timeout"}]
    counts = count_problems(group_by_problem(rows))
    assert (counts.mixed, counts.all_pass, counts.all_fail, counts.candidates, counts.passed) == (1, 1, 1, 5, 2)
    assert counts.failures == {"syntax": 1, "timeout": 2}


def test_held_out_split_is_stable_and_near_its_fraction():
    ids = [str(index) for index in range(2000)]
    held = [task_id for task_id in ids if is_held_out(task_id, 0.2)]
    assert held == [task_id for task_id in ids if is_held_out(task_id, 0.2)]
    assert 300 < len(held) < 500
    assert not any(is_held_out(task_id, 0.0) for task_id in ids)


def test_read_candidates_names_file_line_and_key(tmp_path):
    path = tmp_path / "c.jsonl"
    good = {"task_id": "1", "prompt": "p", "completion": "c", "language": "python", "passed": True}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "passed": "yes"}) + "\n")
    with pytest.raises(UserError, match=r"c.jsonl:3: key 'passed' must be bool"):
        read_candidates(path)
    path.write_text("{not json\n")
    with pytest.raises(UserError, match=r"c.jsonl:1: invalid JSON"):
        read_candidates(path)
    with pytest.raises(UserError, match="cannot read"):
        read_candidates(tmp_path / "missing.jsonl")
