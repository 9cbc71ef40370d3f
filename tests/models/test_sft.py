import json

import pytest

from batcoder import docfilter
from batcoder.cli import main
from batcoder.models import load_model
from batcoder.sft import SFTConfig, build_pairs, collate, run_sft, structured_doc, tokenize_pairs


def test_structured_doc_reads_common_docstring_styles():
    google = ("Add two numbers.\n\nChecks the types first. Then adds them.\n\nArgs:\n    a (int): the first.\n"
              "    b: the second,\n        possibly negative.\n\nReturns:\n    int: the sum.\n\nRaises:\n    TypeError: x")
    assert structured_doc(google) == (
        "Add two numbers.\nParameters:\n- a: the first.\n- b: the second, possibly negative.\n"
        "Returns: int: the sum.\nBehavior:\n1. Checks the types first.\n2. Then adds them."
    )
    sphinx = "Add two numbers.\n:param int a: the first\n:param b: the second\n:returns: the sum\n:raises E: never"
    tags = "Add two numbers.\n@param {number} a the first\n@param b the second\n@return {number} the sum"
    expected = "Add two numbers.\nParameters:\n- a: the first\n- b: the second\nReturns: the sum\nBehavior:\n1. Add two numbers."
    assert structured_doc(sphinx) == structured_doc(tags) == expected
    assert structured_doc("Returns the first word of text.") == (
        "Returns the first word of text.\nBehavior:\n1. Returns the first word of text."
    )
    assert structured_doc("  \n") is None


def test_examples_mask_everything_but_the_reply(tiny_dir, corpus_path):
    from batcoder.data import read_corpus

    _, tokenizer = load_model(tiny_dir, device="cpu")
    pairs, skipped = build_pairs(read_corpus(corpus_path), SFTConfig(direction="code2doc"))
    examples, too_long = tokenize_pairs(pairs, tokenizer, max_length=512)
    assert skipped == {"no docstring": 1} and too_long == 0 and len(examples) == 7
    first = examples[0]
    assert tokenizer.decode(first.response_ids) == (
        "Return the sum of a and b.\nBehavior:\n1. Return the sum of a and b.<|eos|>"
    )
    assert docfilter.check(tokenizer.decode(first.response_ids[:-1]), "def add(a, b):\n    return a + b", "python").valid
    prompt = tokenizer.decode(first.prompt_ids)
    assert prompt.endswith("<|assistant|>\n") and '"""' not in prompt  # the docstring is not shown

    input_ids, attention_mask, labels = collate(examples[:3], tokenizer.pad_token_id, "cpu")
    for row, example in enumerate(examples[:3]):
        length = len(example.prompt_ids) + len(example.response_ids)
        assert input_ids[row, :length].tolist() == example.prompt_ids + example.response_ids
        assert attention_mask[row].tolist() == [1] * length + [0] * (input_ids.shape[1] - length)
        supervised = [token for token in labels[row].tolist() if token != -100]
        assert supervised == example.response_ids

    both, _ = tokenize_pairs(build_pairs(read_corpus(corpus_path), SFTConfig(give_signature=True))[0], tokenizer, 512)
    assert len(both) == 14
    assert tokenize_pairs(pairs, tokenizer, max_length=50) == ([], 7)
    code_reply = tokenizer.decode(both[1].response_ids)
    assert code_reply == "```python\ndef add(a, b):\n    return a + b\n```<|eos|>"
    assert "Use this signature: def add(a, b):" in tokenizer.decode(both[1].prompt_ids)


def test_sft_lowers_the_response_loss(tiny_dir, corpus_path, tmp_path):
    config = SFTConfig(steps=30, lr=3e-3, batch_size=4, seed=0)
    result = run_sft(tiny_dir, corpus_path, tmp_path / "sft", config, device="cpu", progress=False)
    print(f"sft response loss {result.loss_before:.3f} -> {result.loss_after:.3f}")
    assert result.examples == 14
    assert result.loss_after < 0.75 * result.loss_before
    record = json.loads((tmp_path / "sft" / "batcoder_sft.json").read_text())
    assert record["warmup"] == "batcoder sft" and record["loss_after"] == result.loss_after
    model, _ = load_model(tmp_path / "sft", device="cpu")  # a plain loadable model
    assert not any("lora_" in name for name, _ in model.named_parameters())


def test_sft_cli_errors_are_one_line(tiny_dir, corpus_path, tmp_path, corpus_writer, capsys):
    corpus = corpus_writer(tmp_path / "undocumented.jsonl", [("def f(x):\n    return x\n", None)])
    argv = ["sft", "--model", str(tiny_dir), "--corpus", str(corpus), "--output", str(tmp_path / "out")]
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("batcoder: error:") and "no docstring 1" in error and "\n" not in error
    documented = ["sft", "--model", str(tiny_dir), "--corpus", str(corpus_path), "--output", str(tmp_path / "out")]
    assert main(documented + ["--max-length", "20"]) == 2  # every example too long
    assert "longer than max_length=20" in capsys.readouterr().err.strip().splitlines()[-1]
    assert main(argv[:-2] + ["--output", str(tmp_path / "out"), "--steps", "0"]) == 2
    assert "config key 'steps': must be > 0, got 0" in capsys.readouterr().err
    for bad, message in ((["--lr", "nan"], "config key 'lr': must be a finite number"), (["--device", "banana"], "config key 'device': 'banana' is not a torch device"),
                         (["--device", "cuda"], "config key 'device': 'cuda' is not available on this machine")):
        assert main(documented + bad) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_sft_settings_come_from_flags_yaml_and_overrides(tmp_path):
    from batcoder.cli import build_parser
    from batcoder.config import config_from_flags

    settings = tmp_path / "sft.yaml"
    settings.write_text("lr: 0.01\nsteps: 5\nbatch_size: 2\n")
    args = build_parser().parse_args(["sft", "--model", "m", "--corpus", "c", "--output", "o", "--config", str(settings),
                                      "--steps", "7", "--give-signature", "--direction", "code2doc", "seed=3"])
    config = config_from_flags(SFTConfig, args, path=args.config, overrides=args.overrides)
    assert (config.lr, config.steps, config.batch_size, config.give_signature, config.direction, config.seed) == (0.01, 7, 2, True, "code2doc", 3)
    assert config_from_flags(SFTConfig, build_parser().parse_args(["sft", "--model", "m", "--corpus", "c", "--output", "o"])) == SFTConfig()


def test_sft_config_validation():
    from batcoder.config import load_config
    from batcoder.errors import UserError

    with pytest.raises(UserError, match="config key 'direction': 'sideways' is not one of both, code2doc, doc2code"):
        load_config(None, ["direction=sideways"], SFTConfig)
    with pytest.raises(UserError, match="config key 'lr': must be > 0"):
        load_config(None, ["lr=0"], SFTConfig)
