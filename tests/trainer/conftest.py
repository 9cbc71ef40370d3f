"""Fixtures for trainer tests: a corpus of small Python functions whose docstrings are written in
the documentation format the rollout asks for (so the SFT warm-up teaches that format), and a tiny
model warmed up on it with ``batcoder sft`` (a random model writes nothing the filter accepts)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from batcoder.prompts import render_doc

# (code, summary, parameters, returns, behaviour steps)
FUNCTIONS = [
    ("def add(a, b):\n    return a + b", "Add two numbers.", [("a", "a number"), ("b", "another number")], "the sum", ["Add a and b and give the result."]),
    ("def subtract(a, b):\n    return a - b", "Subtract one number from another.", [("a", "a number"), ("b", "the number to take away")], "the difference", ["Take b away from a and give the result."]),
    ("def square(x):\n    return x * x", "Square a number.", [("x", "a number")], "x squared", ["Multiply x by itself and give the result."]),
    ("def is_even(n):\n    return n % 2 == 0", "Check whether a number is even.", [("n", "an integer")], "True when n is even", ["Divide n by two and check that nothing remains."]),
    ("def first(items):\n    return items[0]", "Get the first element of a list.", [("items", "a list")], "the first element", ["Give the element at the front of the list."]),
    ("def count(items):\n    return len(items)", "Count the elements of a list.", [("items", "a list")], "the number of elements", ["Give the length of the list."]),
    ("def absolute(x):\n    if x < 0:\n        return -x\n    return x", "Compute the absolute value of a number.", [("x", "a number")], "the absolute value", ["If x is below zero give minus x.", "Otherwise give x."]),
    ("def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result", "Sum a list of numbers.", [("items", "a list of numbers")], "the sum", ["Start a running result at zero.", "Add every element to the result.", "Give the result."]),
]


def corpus_rows(functions=FUNCTIONS, split: str = "train") -> list[dict]:
    rows = []
    for line, (code, summary, parameters, returns, behaviour) in enumerate(functions):
        rows.append({
            "code": code, "language": "python", "name": code.split("(")[0][4:], "path": "fixture.py",
            "start_line": line + 1, "end_line": line + code.count("\n") + 1,
            "sha256": hashlib.sha256(code.encode()).hexdigest(), "split": split,
            "docstring": render_doc(summary, behaviour, parameters, returns),
        })
    return rows


def write_corpus(path: Path) -> Path:
    rows = corpus_rows(FUNCTIONS, "train")
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, small_corpus) -> Path:
    """A tiny random Qwen2 model with a tokenizer trained on the fixture corpus."""
    import torch

    from batcoder.models import init_tiny

    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("tiny")
    return init_tiny(small_corpus, directory / "tiny", hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1, seed=0)


@pytest.fixture(scope="session")
def warm_model(tmp_path_factory, small_corpus, tiny_model) -> Path:
    """The tiny model, SFT-warmed on the fixture corpus (deterministic on CPU)."""
    import torch

    from batcoder.sft import SFTConfig, run_sft

    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("model")
    config = SFTConfig(steps=120, lr=5e-3, batch_size=8, give_signature=True, seed=0)
    run_sft(tiny_model, small_corpus, directory / "sft", config, device="cpu", progress=False)
    return directory / "sft"
