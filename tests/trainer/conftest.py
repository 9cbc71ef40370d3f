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
    ("def multiply(a, b):\n    return a * b", "Multiply two numbers.", [("a", "a number"), ("b", "another number")], "the product", ["Multiply a by b and give the result."]),
    ("def square(x):\n    return x * x", "Square a number.", [("x", "a number")], "x squared", ["Multiply x by itself and give the result."]),
    ("def negate(x):\n    return -x", "Negate a number.", [("x", "a number")], "minus x", ["Give x with its sign flipped."]),
    ("def is_even(n):\n    return n % 2 == 0", "Check whether a number is even.", [("n", "an integer")], "True when n is even", ["Divide n by two and check that nothing remains."]),
    ("def is_positive(n):\n    return n > 0", "Check whether a number is positive.", [("n", "a number")], "True when n is above zero", ["Compare n with zero."]),
    ("def first(items):\n    return items[0]", "Get the first element of a list.", [("items", "a list")], "the first element", ["Give the element at the front of the list."]),
    ("def last(items):\n    return items[-1]", "Get the last element of a list.", [("items", "a list")], "the last element", ["Give the element at the end of the list."]),
    ("def count(items):\n    return len(items)", "Count the elements of a list.", [("items", "a list")], "the number of elements", ["Give the length of the list."]),
    ("def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result", "Sum a list of numbers.", [("items", "a list of numbers")], "the sum", ["Start a running result at zero.", "Add every element to the result.", "Give the result."]),
    ("def largest(items):\n    best = items[0]\n    for item in items:\n        if item > best:\n            best = item\n    return best", "Find the largest number in a list.", [("items", "a list of numbers")], "the largest number", ["Remember the first element as the best so far.", "Replace it by every bigger element.", "Give the best element."]),
    ("def smallest(items):\n    best = items[0]\n    for item in items:\n        if item < best:\n            best = item\n    return best", "Find the smallest number in a list.", [("items", "a list of numbers")], "the smallest number", ["Remember the first element as the best so far.", "Replace it by every smaller element.", "Give the best element."]),
    ("def absolute(x):\n    if x < 0:\n        return -x\n    return x", "Compute the absolute value of a number.", [("x", "a number")], "the absolute value", ["If x is below zero give minus x.", "Otherwise give x."]),
    ("def clamp(x, low, high):\n    if x < low:\n        return low\n    if x > high:\n        return high\n    return x", "Limit a number to a range.", [("x", "a number"), ("low", "the lower bound"), ("high", "the upper bound")], "the limited number", ["If x is below the lower bound give the lower bound.", "If x is above the upper bound give the upper bound.", "Otherwise give x."]),
    ("def double_all(items):\n    return [item * 2 for item in items]", "Double every number in a list.", [("items", "a list of numbers")], "a new list", ["Multiply every element by two and collect the results."]),
    ("def evens(items):\n    return [item for item in items if item % 2 == 0]", "Keep the even numbers of a list.", [("items", "a list of integers")], "a new list", ["Collect the elements that are even."]),
    ("def reverse(text):\n    return text[::-1]", "Reverse a string.", [("text", "a string")], "the reversed string", ["Give the characters of the text in the opposite order."]),
    ("def shout(text):\n    return text.upper()", "Convert a string to upper case.", [("text", "a string")], "the upper case string", ["Give the text with every letter in upper case."]),
    ("def count_words(text):\n    return len(text.split())", "Count the words in a string.", [("text", "a string")], "the number of words", ["Split the text on whitespace.", "Give the number of parts."]),
    ("def average(items):\n    return sum(items) / len(items)", "Compute the mean of a list of numbers.", [("items", "a list of numbers")], "the mean", ["Divide the sum of the elements by their number."]),
    ("def greet(name):\n    return 'Hello, ' + name", "Build a greeting for a name.", [("name", "a person's name")], "the greeting", ["Put the word hello in front of the name."]),
    ("def contains(items, value):\n    for item in items:\n        if item == value:\n            return True\n    return False", "Check whether a list holds a value.", [("items", "a list"), ("value", "the value to look for")], "True when the value is found", ["Look at every element.", "Give True as soon as one equals the value.", "Give False at the end."]),
    ("def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result", "Compute the factorial of a number.", [("n", "a non-negative integer")], "n factorial", ["Start a running result at one.", "Multiply it by every number from two up to n.", "Give the result."]),
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


HELD_OUT = 6  # the last functions form the "test" split: never trained on, by SFT or RL


def write_corpus(path: Path) -> Path:
    rows = corpus_rows(FUNCTIONS[:-HELD_OUT], "train") + corpus_rows(FUNCTIONS[-HELD_OUT:], "test")
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="session")
def warm_model(tmp_path_factory, small_corpus) -> Path:
    """A tiny Qwen2 model, SFT-warmed on the fixture corpus (deterministic on CPU)."""
    import torch

    from batcoder.models import init_tiny
    from batcoder.sft import SFTConfig, run_sft

    torch.manual_seed(0)
    directory = tmp_path_factory.mktemp("model")
    tiny = init_tiny(small_corpus, directory / "tiny", hidden_size=64, num_layers=2, num_heads=2, num_kv_heads=1, seed=0)
    config = SFTConfig(steps=150, lr=3e-3, batch_size=8, give_signature=True, seed=0)
    run_sft(tiny, small_corpus, directory / "sft", config, device="cpu", progress=False)
    return directory / "sft"
