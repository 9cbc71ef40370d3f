"""Fixtures for ``batcoder document``: a copy of the multi-language fixture tree, a scripted generation
backend (which documentation and reconstruction comes back is known) and a tiny random model."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from batcoder.generation import Completion
from batcoder.prompts import render_doc

FIXTURES = Path(__file__).parent / "fixtures" / "project"

# Accepted by the documentation filter for every fixture function (prose, no code tokens).
GOOD_DOC = render_doc(
    "Compute a result from the given inputs.",
    ["Look at the inputs.", "Give back the computed result."],
    parameters=[("value", "the input to work on")],
    returns="the computed result",
)


class CharTokenizer:
    chat_template = None  # prompts use the plain template

    def encode(self, text):
        return [ord(ch) % 250 + 1 for ch in text]


class ScriptedBackend:
    """Documentation requests get ``docs(code)`` (a list, cycled to n); reconstruction requests get
    ``code(prompt)``. By default every documentation is GOOD_DOC and every reconstruction is the
    original function (S = 1). Records every call."""

    def __init__(self, docs=None, code=None, originals=None):
        self.docs = docs or (lambda code: [GOOD_DOC])
        self.code = code
        self.originals = originals or {}  # signature -> comment-free code
        self.calls = []

    def _completion(self, text):
        return Completion(text=text, prompt_ids=[1], completion_ids=[2] * max(1, len(text) // 4), finish_reason="stop")

    def generate(self, prompts, *, n=1, max_new_tokens=256, temperature=1.0, top_p=1.0, stop=(), seed=None):
        self.calls.append({"prompts": list(prompts), "n": n, "temperature": temperature, "seed": seed})
        results = []
        for prompt in prompts:
            if "Document this" in prompt:
                code = re.search(r"```\w+\n(.*)\n```", prompt, re.S).group(1)
                docs = self.docs(code)
                results.append([self._completion(docs[i % len(docs)]) for i in range(n)])
            else:
                signature = re.search(r"Use this signature: (.*?)\nReply with", prompt, re.S).group(1)
                text = self.code(prompt) if self.code else self.originals.get(signature, "")
                results.append([self._completion(f"```\n{text}\n```")])
        return results


def scripted_for(targets, **kwargs) -> ScriptedBackend:
    """A ScriptedBackend whose reconstructions are the targets' own code (by signature)."""
    return ScriptedBackend(originals={target.signature.strip(): target.code for target in targets}, **kwargs)


@pytest.fixture
def project(tmp_path) -> Path:
    destination = tmp_path / "project"
    shutil.copytree(FIXTURES, destination)
    return destination


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random model whose tokenizer is trained on the fixture tree's code."""
    from batcoder.models import init_tiny

    directory = tmp_path_factory.mktemp("document-model")
    corpus = directory / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for path in sorted(FIXTURES.rglob("*.*")):
            out.write(json.dumps({"code": path.read_text(encoding="utf-8"), "language": "python", "split": "train"}) + "\n")
    return init_tiny(corpus, directory / "tiny", vocab_size=400, hidden_size=64, num_layers=2, num_heads=4, num_kv_heads=2, seed=0)


@pytest.fixture(autouse=True)
def wide_summary(monkeypatch):
    """The summary table is as wide as a terminal would be: rows stay on one line for the assertions."""
    monkeypatch.setenv("COLUMNS", "240")


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Tiny models are overhead-bound: one intra-op thread runs them faster on a shared machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def kit():
    """This file's helpers for the tests (``--import-mode=importlib`` cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        GOOD_DOC=GOOD_DOC, CharTokenizer=CharTokenizer, ScriptedBackend=ScriptedBackend, scripted_for=scripted_for,
        snapshot=snapshot,
    )
