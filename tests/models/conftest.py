import json

import pytest

FUNCTIONS = [
    ('def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n', "Return the sum of a and b."),
    ('def scale(values, factor):\n    """Multiply every value by factor."""\n    return [v * factor for v in values]\n',
     "Multiply every value by factor."),
    ('def is_even(number):\n    """Tell whether number is even."""\n    return number % 2 == 0\n',
     "Tell whether number is even."),
    ('def first_word(text):\n    """Return the first word of text, or an empty string."""\n'
     '    words = text.split()\n    return words[0] if words else ""\n',
     "Return the first word of text, or an empty string."),
    ('def clamp(value, low, high):\n    """Limit value to the range from low to high."""\n'
     '    return max(low, min(value, high))\n', "Limit value to the range from low to high."),
    ('def count_vowels(word):\n    """Count the vowels in word."""\n'
     '    return sum(1 for letter in word.lower() if letter in "aeiou")\n', "Count the vowels in word."),
    ('def mean(numbers):\n    # no docstring here\n    return sum(numbers) / len(numbers)\n', None),
    ('def greet(name):\n    """Say hello to name — politely, with ünïcode."""\n    return f"Hello, {name}!"\n',
     "Say hello to name — politely, with ünïcode."),
]


def write_corpus(path, functions=FUNCTIONS):
    with open(path, "w", encoding="utf-8") as out:
        for index, (code, docstring) in enumerate(functions):
            row = {"code": code, "language": "python", "name": f"f{index}", "path": "lib.py",
                   "start_line": 1, "end_line": 3, "sha256": str(index), "split": "train"}
            if docstring:
                row["docstring"] = docstring
            out.write(json.dumps(row) + "\n")
    return path


TINY = dict(vocab_size=400, hidden_size=64, num_layers=2, num_heads=4, num_kv_heads=2)


@pytest.fixture(scope="session")
def corpus_path(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.jsonl")


@pytest.fixture(scope="session")
def tiny_dir(corpus_path, tmp_path_factory):
    from batcoder.models import init_tiny

    return init_tiny(corpus_path, tmp_path_factory.mktemp("models") / "tiny", **TINY)


@pytest.fixture(scope="session")
def tiny_settings():
    """Model sizes that keep the tests fast."""
    return dict(TINY)


@pytest.fixture(scope="session")
def corpus_writer():
    """``corpus_writer(path, [(code, docstring or None), ...])`` writes a corpus JSONL."""
    return write_corpus


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Tiny models are overhead-bound: on a shared 2-core machine one intra-op thread runs them
    several times faster than two that contend."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


PROMPT_TEXTS = ["def add(a, b):", "x", "def first_word(text):\n    words = text.split()", "return", "Count the vowels",
                "def clamp(value, low, high):\n    return max(low, min(value, high))\n\ndef"]


def _randomize_weights(model, seed):
    """Larger random weights make greedy outputs differ from prompt to prompt (a fresh 0.02-std
    initialisation mostly repeats one token), so comparisons of outputs mean something."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() == 2:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
    return model


@pytest.fixture(scope="session")
def randomize_weights():
    """``randomize_weights(model, seed)``: larger random weights, so greedy outputs differ by prompt."""
    return _randomize_weights


@pytest.fixture(scope="session")
def prompt_texts():
    """Chat contents of mixed lengths for generation tests."""
    return list(PROMPT_TEXTS)


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_dir):
    from batcoder.models import load_model

    model, tokenizer = load_model(tiny_dir, device="cpu")
    return _randomize_weights(model, seed=0), tokenizer


@pytest.fixture(scope="module")
def prompts(model_and_tokenizer):
    from batcoder.models import render_prompt

    _, tokenizer = model_and_tokenizer
    return [render_prompt(tokenizer, [{"role": "user", "content": text}]) for text in PROMPT_TEXTS]
