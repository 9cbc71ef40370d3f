import json

import pytest

from batcoder.models.pretrain import PretrainConfig, lr_multiplier, pack, pretrain, render_documents

RUBY = [
    ("def add(a, b)\n  # adds\n  a + b\nend\n", "Return the sum of a and b."),
    ("def twice(x)\n  x * 2\nend\n", None),
]


def _config(corpus, **overrides):
    settings = dict(corpus=str(corpus), vocab_size=400, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1,
                    block_size=256, max_position_embeddings=512, batch_size=2, steps=3, warmup_steps=1, eval_every=2,
                    eval_fraction=0.2)
    settings.update(overrides)
    return PretrainConfig(**settings)


@pytest.fixture
def mixed_corpus(tmp_path, corpus_writer):
    path = corpus_writer(tmp_path / "corpus.jsonl")
    with path.open("a", encoding="utf-8") as out:
        for code, docstring in RUBY:
            row = {"code": code, "language": "ruby", "split": "train"}
            if docstring:
                row["docstring"] = docstring
            out.write(json.dumps(row) + "\n")
    return path


def test_pack_keeps_documents_whole_and_counts_the_too_long():
    blocks, too_long = pack([[1, 2], [3, 4, 5], [6], list(range(9))], block_size=4)
    assert blocks == [[1, 2], [3, 4, 5, 6]]
    assert too_long == 1


def test_lr_warms_up_then_decays_to_the_floor():
    config = PretrainConfig(steps=100, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_multiplier(0, config) == pytest.approx(0.1)
    assert lr_multiplier(9, config) == pytest.approx(1.0)
    assert lr_multiplier(55, config) < lr_multiplier(20, config)
    assert lr_multiplier(100, config) == pytest.approx(0.1)


def test_python_becomes_pairs_in_the_rl_prompts_and_ruby_stays_plain_code(mixed_corpus):
    from batcoder.data import read_corpus
    from batcoder.prompts import code_to_doc_messages

    documents, counts = render_documents(read_corpus(mixed_corpus), _config(mixed_corpus))
    pairs = [(messages, text) for messages, text in documents if messages is not None]
    plain = [text for messages, text in documents if messages is None]
    assert counts == {"pairs (python)": 14, "code (python)": 1, "code (ruby)": 2}  # 7 documented x 2 directions
    add_code = "def add(a, b):\n    return a + b"
    assert (code_to_doc_messages(add_code, "python"), pairs[0][1]) == pairs[0]
    assert pairs[1][1] == f"```python\n{add_code}\n```"  # doc->code reply
    assert "def add(a, b)\n  a + b\nend" in plain  # Ruby: comment stripped, no documentation
    assert not any("sum of a and b" in text for text in plain)


def test_paired_fraction_one_pairs_the_documented_ruby(mixed_corpus):
    from batcoder.data import read_corpus

    _, counts = render_documents(read_corpus(mixed_corpus), _config(mixed_corpus, code_only_paired_fraction=1.0))
    assert counts["pairs (ruby)"] == 2 and counts["code (ruby)"] == 1


def test_rows_of_one_parallel_group_become_one_code_document_in_row_order(tmp_path):
    from batcoder.data import read_corpus

    rows = [
        {"code": "def twice(x)\n  # doubles\n  x * 2\nend\n", "language": "ruby", "parallel": "p1"},
        {"code": "def other(y)\n  y\nend\n", "language": "ruby"},
        {"code": 'def twice(x):\n    """Doubles."""\n    return x * 2\n', "language": "python", "parallel": "p1"},
        {"code": "def solo(z)\n  z\nend\n", "language": "ruby", "parallel": "p2"},
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"split": "train", **row}) + "\n" for row in rows))
    documents, counts = render_documents(read_corpus(corpus), _config(corpus))
    plain = [text for messages, text in documents if messages is None]
    assert plain == ["def twice(x)\n  x * 2\nend\n\ndef twice(x):\n    return x * 2",  # no comment, no docstring
                     "def other(y)\n  y\nend", "def solo(z)\n  z\nend"]
    assert counts["parallel documents"] == 2 and counts["parallel code (ruby)"] == 2
    assert counts["parallel code (python)"] == 1 and counts["code (ruby)"] == 1


def test_fenced_parallel_code_puts_each_rendering_in_its_own_tagged_fence(tmp_path):
    from batcoder.data import read_corpus

    rows = [
        {"code": "def twice(x)\n  x * 2\nend\n", "language": "ruby", "parallel": "p1"},
        {"code": "def twice(x):\n    return x * 2\n", "language": "python", "parallel": "p1"},
        {"code": "def alone(y)\n  y\nend\n", "language": "ruby"},
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"split": "train", **row}) + "\n" for row in rows))
    documents, _ = render_documents(read_corpus(corpus), _config(corpus, fence_parallel_code=True))
    assert [text for _, text in documents] == [
        "```ruby\ndef twice(x)\n  x * 2\nend\n```\n\n```python\ndef twice(x):\n    return x * 2\n```",
        "def alone(y)\n  y\nend",  # plain code stays bare
    ]


def test_pretrain_trains_saves_and_reuses_its_cache(mixed_corpus, tmp_path):
    from batcoder.models import load_model

    config = _config(mixed_corpus)
    first = pretrain(config, tmp_path / "cache", progress=False)
    assert not first.cached
    assert (first.model_dir / "pretrain_loss.png").stat().st_size > 0
    metrics = [json.loads(line) for line in (first.model_dir / "pretrain_metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2, 3] and "eval_loss" in metrics[1]
    assert first.record["tokens_trained"] > 0 and first.record["tokens_per_s"] > 0
    model, tokenizer = load_model(first.model_dir, device="cpu")
    assert model.config.hidden_size == 32 and tokenizer.chat_template

    again = pretrain(config, tmp_path / "cache", progress=False)
    assert again.cached and again.model_dir == first.model_dir

    changed = pretrain(_config(mixed_corpus, steps=2), tmp_path / "cache", progress=False)
    assert not changed.cached and changed.model_dir != first.model_dir


def test_cli_rejects_a_missing_corpus_in_one_line(tmp_path, capsys):
    from batcoder.cli import main

    assert main(["model", "pretrain", "--corpus", str(tmp_path / "none.jsonl"), "--cache-dir", str(tmp_path)]) == 2
    assert "none.jsonl" in capsys.readouterr().err
