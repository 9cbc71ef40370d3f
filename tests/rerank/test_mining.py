import pytest

from batcoder.rerank.mining import add_new, hard_negatives


def test_failing_candidates_above_the_problems_best_passing_one_and_only_those():
    task_ids = ["a", "a", "a", "a", "b", "b"]
    passed = [True, True, False, False, True, False]
    scores = [0.2, 0.6, 0.7, 0.5, 0.9, 0.1]
    # a: best passing 0.6 -> the failing 0.7 is hard, the failing 0.5 (above one passing, below the best) is not
    # b: the failing 0.1 is below its passing 0.9
    assert hard_negatives(task_ids, passed, scores) == [2]


def test_problems_without_a_passing_candidate_use_the_rounds_passing_median():
    task_ids = ["a", "a", "b", "c", "c", "d"]
    passed = [True, False, True, False, False, True]
    scores = [0.1, 0.0, 0.5, 0.4, 0.6, 0.9]
    # passing scores 0.1, 0.5, 0.9: median 0.5; c's 0.6 is hard, its 0.4 is not; a's failing 0.0 is below a's best
    assert hard_negatives(task_ids, passed, scores) == [4]


def test_a_tie_is_not_hard_and_nothing_passing_means_no_median_rule():
    assert hard_negatives(["a", "a"], [True, False], [0.5, 0.5]) == []
    assert hard_negatives(["a", "b"], [False, False], [3.0, 4.0]) == []
    assert hard_negatives([], [], []) == []
    with pytest.raises(ValueError):
        hard_negatives(["a"], [True], [])


def test_add_new_skips_candidates_already_in_the_data_and_repeats():
    existing = [{"task_id": "1", "completion": "x"}]
    additions = [{"task_id": 1, "completion": "x"}, {"task_id": "1", "completion": "y"}, {"task_id": "1", "completion": "y"},
                 {"task_id": "2", "completion": "x"}]
    assert add_new(existing, additions) == [additions[1], additions[3]]
