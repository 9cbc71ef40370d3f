"""Fixtures for reranker tests: a tiny random causal LM, a handful of MBPP-schema problems with
passing and failing candidates, and their labelled candidates file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "def double(x):\n    return x * 2\n",
    "def first(items):\n    return items[0]\n",
    "def is_even(n):\n    return n % 2 == 0\n",
]

# MBPP "full" schema; each problem has a right and a wrong solution.
PROBLEMS = [
    {"task_id": 1, "text": "Add two numbers.", "code": "def add(a, b):\n    return a + b\n",
     "wrong": "def add(a, b):\n    return a - b\n", "test_list": ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]},
    {"task_id": 2, "text": "Double a number.", "code": "def double(x):\n    return x * 2\n",
     "wrong": "def double(x):\n    return x + 2\n", "test_list": ["assert double(3) == 6", "assert double(5) == 10"]},
    {"task_id": 3, "text": "First item of a list.", "code": "def first(items):\n    return items[0]\n",
     "wrong": "def first(items):\n    return items[-1]\n", "test_list": ["assert first([1, 2]) == 1"]},
    {"task_id": 4, "text": "Is a number even?", "code": "def is_even(n):\n    return n % 2 == 0\n",
     "wrong": "def is_even(n):\n    return n % 2\n", "test_list": ["assert is_even(4) is True", "assert is_even(3) is False"]},
]


@pytest.fixture(autouse=True)
def single_torch_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> Path:
    from batcoder.models import init_tiny

    directory = tmp_path_factory.mktemp("rerank-model")
    corpus = directory / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"code": code, "language": "python", "split": "train"}) + "\n" for code in CORPUS))
    return init_tiny(corpus, directory / "tiny", vocab_size=400, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1)


@pytest.fixture(scope="session")
def problems_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("problems") / "mbpp.jsonl"
    rows = [{key: value for key, value in problem.items() if key != "wrong"} | {"test_setup_code": ""} for problem in PROBLEMS]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def candidate_rows() -> list[dict]:
    """Labelled candidates as `rerank sample` writes them (two per problem: one passes)."""
    from batcoder.eval.mbpp import STOP_SEQUENCES, mbpp_prompt

    rows = []
    for problem in PROBLEMS:
        prompt = mbpp_prompt(problem["text"], problem["test_list"][0])
        for completion, passed in ((problem["code"], True), (problem["wrong"], False)):
            rows.append({"task_id": str(problem["task_id"]), "prompt": prompt, "completion": completion,
                         "language": "python", "stop": list(STOP_SEQUENCES), "passed": passed, "result": "passed" if passed else "failed: AssertionError",
                         "failure": None if passed else "wrong_answer"})
    return rows


@pytest.fixture
def candidates_file(tmp_path) -> Path:
    path = tmp_path / "candidates.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in candidate_rows()))
    return path


HELD_OUT_PROBLEMS = [
    {"task_id": 11, "text": "Triple a number.", "code": "def triple(x):\n    return x * 3\n", "test_list": ["assert triple(2) == 6"]},
    {"task_id": 12, "text": "Last item of a list.", "code": "def last(items):\n    return items[-1]\n", "test_list": ["assert last([1, 2]) == 2"]},
]


@pytest.fixture(scope="session")
def held_out_problems_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("held-out") / "mbpp.jsonl"
    path.write_text("".join(json.dumps(row | {"test_setup_code": ""}) + "\n" for row in HELD_OUT_PROBLEMS))
    return path
