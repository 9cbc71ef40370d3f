import json

import pytest
import torch

from batcoder.cli import main
from batcoder.models import init_tiny, load_model
from batcoder.models.tiny import CHAT_TEMPLATE, ROLE_TOKENS


@pytest.mark.parametrize("architecture", ["qwen2", "llama"])
def test_init_tiny_builds_a_loadable_model(corpus_path, tmp_path, tiny_settings, architecture):
    path = init_tiny(corpus_path, tmp_path / "model", architecture=architecture, **tiny_settings)
    model, tokenizer = load_model(path, device="cpu")
    config = json.loads((path / "config.json").read_text())
    assert config["model_type"] == architecture
    assert model.config.hidden_size == 64 and model.config.num_hidden_layers == 2
    assert model.config.vocab_size == len(tokenizer) <= tiny_settings["vocab_size"]
    assert tokenizer.bos_token == "<|bos|>" and tokenizer.eos_token == "<|eos|>" and tokenizer.pad_token == "<|pad|>"
    for role_token in ROLE_TOKENS:  # each role marker is one special token
        assert len(tokenizer(role_token, add_special_tokens=False)["input_ids"]) == 1
    assert tokenizer.chat_template == CHAT_TEMPLATE
    ids = torch.tensor([tokenizer("def add(a, b):")["input_ids"]])
    logits = model(input_ids=ids).logits
    assert logits.shape == (1, ids.shape[1], len(tokenizer)) and torch.isfinite(logits).all()
    assert not list(tmp_path.glob(".model.tmp-*")), "the staging directory was left behind"


def test_tokenizer_round_trips_code_and_learned_merges(tiny_dir):
    _, tokenizer = load_model(tiny_dir, device="cpu")
    samples = [
        'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n',
        "def f(x):\n\treturn {'k': [x, 1.5e-3, \"ü→λ 日本\"]}  # comment\r\n\n\n",
        "    indented   with   spaces\n",
    ]
    for code in samples:
        ids = tokenizer(code, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode(ids) == code
    # A corpus-trained BPE compresses corpus-like code well below one token per byte.
    code = samples[0]
    assert len(tokenizer(code, add_special_tokens=False)["input_ids"]) < len(code.encode()) / 2


def test_init_tiny_is_seeded(corpus_path, tmp_path, tiny_settings):
    weights = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        model, _ = load_model(init_tiny(corpus_path, tmp_path / name, seed=seed, **tiny_settings), device="cpu")
        weights.append(model.model.layers[0].self_attn.q_proj.weight)
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_init_tiny_rejects_bad_settings(corpus_path, tmp_path, tiny_settings):
    with pytest.raises(ValueError, match="architecture"):
        init_tiny(corpus_path, tmp_path / "m", **{**tiny_settings, "architecture": "gpt2"})
    with pytest.raises(ValueError, match="divisible"):
        init_tiny(corpus_path, tmp_path / "m", **{**tiny_settings, "num_heads": 5})
    with pytest.raises(ValueError, match="vocab_size must be at least 262"):
        init_tiny(corpus_path, tmp_path / "m", **{**tiny_settings, "vocab_size": 100})
    assert not (tmp_path / "m").exists()


def test_cli_init_tiny(corpus_path, tmp_path, capsys):
    output = tmp_path / "cli-model"
    argv = ["model", "init-tiny", "--corpus", str(corpus_path), "--output", str(output), "--architecture", "llama",
            "--vocab-size", "300", "--hidden-size", "32", "--num-layers", "1", "--num-heads", "2", "--num-kv-heads", "1"]
    assert main(argv) == 0
    assert json.loads((output / "config.json").read_text())["model_type"] == "llama"


def test_cli_init_tiny_reports_bad_corpus_in_one_line(tmp_path, capsys):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"code": "def f(): pass", "language": "python"}\nnot json\n')
    assert main(["model", "init-tiny", "--corpus", str(corpus), "--output", str(tmp_path / "m")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("batcoder: error:") and f"{corpus}:2" in error and "\n" not in error
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["model", "init-tiny", "--corpus", str(empty), "--output", str(tmp_path / "m")]) == 2
    assert "no rows" in capsys.readouterr().err
