"""`batcoder synthesize`: the model documents unlabeled functions; accepted documentation becomes
SFT pairs (the paper's SFT-on-synthetic-pairs baseline), human docstrings never reach the output."""

import json

from batcoder.cli import main as cli_main
from batcoder.data import read_corpus
from batcoder.prompts import render_doc
from batcoder.generation import Completion
from batcoder.sft import SFTConfig, build_pairs, run_sft
from batcoder.synthesize import synthesize_documentation

GOOD_DOC = render_doc("Add two numbers.", ["Add a and b and give the result."], [("a", "a number"), ("b", "another number")], "the sum")


class FixedBackend:
    """Answers the i-th prompt with ``replies[i]`` and records the sampling settings."""

    def __init__(self, replies):
        self.replies, self.calls = list(replies), []

    def generate(self, prompts, *, n=1, max_new_tokens=256, temperature=1.0, top_p=1.0, stop=(), seed=None):
        self.calls.append({"prompts": len(prompts), "temperature": temperature, "seed": seed})
        return [[Completion(self.replies.pop(0), [1], [2], "stop")] for _ in prompts]


class PlainTokenizer:
    chat_template = None


def test_accepted_documentation_replaces_the_docstring(tmp_path):
    rows = [
        {"code": "def add(a, b):\n    return a + b", "language": "python", "name": "add", "docstring": "Human doc.", "split": "train"},
        {"code": "def sub(a, b):\n    return a - b", "language": "python", "name": "sub", "split": "train"},
        {"code": "x = 1", "language": "cobol", "name": "x", "split": "train"},
    ]
    leak = "Here it is:\n```python\ndef sub(a, b):\n    return a - b\n```"
    backend = FixedBackend([GOOD_DOC, leak])
    output = tmp_path / "synthetic.jsonl"
    result = synthesize_documentation(backend, PlainTokenizer(), rows, output, batch_size=1, progress=False)
    assert (result.functions, result.kept) == (2, 1)
    assert result.rejected["unknown language"] == 1 and sum(result.rejected.values()) == 2
    (row,) = read_corpus(output)
    assert "docstring" not in row and row["name"] == "add"
    assert row["documentation"].startswith("Add two numbers.") and row["documentation_score"] == 1.0
    assert [call["seed"] for call in backend.calls] == [0, 1] and backend.calls[0]["temperature"] == 0.0
    pairs, skipped = build_pairs([row], SFTConfig())
    assert len(pairs) == 2 and not skipped
    assert pairs[0][1] == row["documentation"]  # used as is, not re-parsed as a docstring


def test_synthesize_then_sft_with_the_tiny_model(tmp_path, warm_model, small_corpus, capsys):
    output = tmp_path / "synthetic.jsonl"
    assert cli_main(["synthesize", "--model", str(warm_model), "--corpus", str(small_corpus), "--output", str(output),
                     "--max-doc-tokens", "64", "--device", "cpu"]) == 0
    assert "functions documented" in capsys.readouterr().out
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert rows and all("documentation" in row and "docstring" not in row for row in rows)
    result = run_sft(warm_model, output, tmp_path / "baseline", SFTConfig(steps=3, batch_size=4, give_signature=True), device="cpu", progress=False)
    assert result.examples == 2 * len(rows)
    assert (tmp_path / "baseline" / "config.json").is_file()


def test_a_missing_corpus_is_a_one_line_error(tmp_path, capsys):
    assert cli_main(["synthesize", "--model", str(tmp_path), "--corpus", str(tmp_path / "none.jsonl"), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_an_unloadable_model_is_a_one_line_error(tmp_path, small_corpus, capsys):
    status = cli_main(["synthesize", "--model", str(tmp_path / "none"), "--corpus", str(small_corpus), "--output", str(tmp_path / "o.jsonl")])
    error = capsys.readouterr().err
    assert status == 2 and "cannot load" in error and error.count("\n") == 1
    assert not (tmp_path / "o.jsonl").exists()


def test_nothing_accepted_leaves_an_existing_output_untouched(tmp_path):
    import pytest

    output = tmp_path / "synthetic.jsonl"
    output.write_text('{"code": "earlier run"}\n')
    rows = [{"code": "def add(a, b):\n    return a + b", "language": "python", "name": "add", "split": "train"}]
    backend = FixedBackend(["```python\ndef add(a, b):\n    return a + b\n```"])
    with pytest.raises(ValueError, match="all 1 functions was rejected"):
        synthesize_documentation(backend, PlainTokenizer(), rows, output, progress=False)
    assert output.read_text() == '{"code": "earlier run"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["synthetic.jsonl"]  # no temporary file left
