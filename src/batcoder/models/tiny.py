"""The tiny model: a small, randomly initialised Qwen2- or Llama-architecture causal LM with a
byte-level BPE tokenizer trained on a corpus. It is the embedded default for CPU runs and tests.

The tokenizer learns from the corpus's code and docstrings and from the rollout's prompts around
them. Random weights know nothing; ``batcoder sft`` can warm it up on the corpus's own docstring/code
pairs so that an RL run on CPU has something to improve.

The tokenizer uses Qwen2's normaliser (NFC) and pre-tokeniser and is saved as a ``Qwen2Tokenizer``,
so ``AutoTokenizer`` (and any other HF-compatible loader) rebuilds exactly the trained tokenizer.
Its chat template::

    <|bos|><|system|>\\n{content}<|eos|>\\n<|user|>\\n{content}<|eos|>\\n<|assistant|>\\n

where every turn ends with EOS, so generation of an assistant turn stops at EOS.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Iterator

import torch

from batcoder.models.loading import staged_directory

BOS, EOS, PAD = "<|bos|>", "<|eos|>", "<|pad|>"
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
SPECIAL_TOKENS = (PAD, BOS, EOS, *ROLE_TOKENS)

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] not in ['system', 'user', 'assistant'] %}"
    "{{ raise_exception('unknown chat role: ' + message['role']) }}"
    "{% endif %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

ARCHITECTURES = ("qwen2", "llama")


def corpus_texts(rows: Iterable[dict]) -> Iterator[str]:
    """The texts the tokenizer learns from: every function's code and docstring, and the prompts
    the rollout wraps them in (so the fixed instructions cost few tokens per prompt)."""
    from batcoder import prompts

    for row in rows:
        yield row["code"]
        docstring = row.get("docstring") or ""
        if docstring:
            yield docstring
        messages = prompts.code_to_doc_messages(row["code"], row["language"])
        messages += prompts.doc_to_code_messages(docstring, row["language"])
        yield from (message["content"] for message in messages)


def train_tokenizer(texts: Iterable[str], vocab_size: int):
    """A byte-level BPE ``Qwen2Tokenizer`` trained on ``texts``; special tokens take ids 0..5."""
    from tokenizers import trainers
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import Qwen2Tokenizer

    specials = dict(unk_token=None, bos_token=BOS, eos_token=EOS, pad_token=PAD, extra_special_tokens=list(ROLE_TOKENS))
    # Train the backend of an empty Qwen2Tokenizer so that normaliser and pre-tokeniser are the
    # ones Qwen2Tokenizer rebuilds when the saved tokenizer is loaded again.
    backend = Qwen2Tokenizer(vocab={PAD: 0}, merges=[], **specials).backend_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=ByteLevel.alphabet(),
        min_frequency=2,
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer=trainer)
    trained = json.loads(backend.to_str())["model"]
    merges = [tuple(merge) for merge in trained["merges"]]
    tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=merges, **specials)
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def tiny_config(architecture: str, tokenizer, *, hidden_size: int, num_layers: int, num_heads: int,
                num_kv_heads: int, intermediate_size: int, max_position_embeddings: int):
    from transformers import LlamaConfig, Qwen2Config

    config_class = {"qwen2": Qwen2Config, "llama": LlamaConfig}[architecture]
    return config_class(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def init_tiny(
    corpus_path: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    architecture: str = "qwen2",
    vocab_size: int = 4096,
    hidden_size: int = 256,
    num_layers: int = 4,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int | None = None,
    max_position_embeddings: int = 2048,
    seed: int = 0,
) -> Path:
    """Build the tiny model for ``corpus_path`` and save it (model, tokenizer, chat template) as a
    normal HF directory at ``output_dir``; returns that path. ``vocab_size`` is an upper bound:
    a small corpus yields fewer merges. ``intermediate_size`` defaults to 2.75 x hidden."""
    from transformers import AutoModelForCausalLM

    from batcoder.data import read_corpus

    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of {ARCHITECTURES}")
    intermediate_size = int(hidden_size * 2.75) if intermediate_size is None else intermediate_size
    sizes = dict(hidden_size=hidden_size, num_layers=num_layers, num_heads=num_heads, num_kv_heads=num_kv_heads,
                 intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings)
    for name, value in sizes.items():
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
    if hidden_size % num_heads or num_heads % num_kv_heads:
        raise ValueError(
            f"hidden_size ({hidden_size}) must be divisible by num_heads ({num_heads}), "
            f"and num_heads by num_kv_heads ({num_kv_heads})"
        )
    if vocab_size < 256 + len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must be at least {256 + len(SPECIAL_TOKENS)} (256 bytes + special tokens)")
    texts = list(corpus_texts(read_corpus(corpus_path)))
    if not texts:
        raise ValueError(f"{corpus_path}: the corpus has no rows to train a tokenizer on")
    tokenizer = train_tokenizer(texts, vocab_size)
    tokenizer.model_max_length = max_position_embeddings
    config = tiny_config(
        architecture,
        tokenizer,
        hidden_size=hidden_size,
        num_layers=num_layers,
        num_heads=num_heads,
        num_kv_heads=num_kv_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config)
    with staged_directory(output_dir, "model init-tiny") as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    return Path(output_dir)
