"""``batcoder model pretrain``: a small causal LM trained from scratch on a code corpus, the base
model of the CPU experiments (no pretrained weights exist on these machines).

The corpus is the paper's setting in miniature: functions of the *paired* languages (Python by
default) that have documentation become documentation <-> code pairs rendered exactly as the RL
rollout prompts them (:func:`batcoder.sft.pair_messages`: the code->doc and the doc->code chat turns,
prompt and reply); functions of every other language are plain code (comments and docstrings
stripped), so the model sees those languages only as code. Rows sharing a ``parallel`` key (the
code world's parallel code) become one document, their code one after the other: translations, still
without documentation (with ``fence_parallel_code``, each in its own language-tagged code fence, the
layout of a doc->code reply). ``code_only_paired_fraction`` turns a seeded share of the other languages'
documented rows into pairs as well (0 by default).

The tokenizer (:func:`batcoder.models.tiny.train_tokenizer`) and the architecture
(:func:`batcoder.models.tiny.tiny_config`) are the tiny model's. Documents (BOS ... EOS) are packed
whole into blocks of ``block_size`` tokens; the loss is on every token. AdamW, linear warm-up then
cosine decay. The model is cached by a hash of the config and the corpus's bytes: a second run with
the same inputs reuses it, any change trains a new one in a new directory.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RECORD = "batcoder_pretrain.json"
METRICS = "pretrain_metrics.jsonl"
PLOT = "pretrain_loss.png"


@dataclass
class PretrainConfig:
    """Model size, data rendering and optimisation of a pretraining run."""

    corpus: str = "runs/world/pretrain.jsonl"  # pretraining corpus JSONL (code, language, docstring/documentation)
    paired_languages: list[str] = field(default_factory=lambda: ["python"])  # languages seen as doc<->code pairs
    code_only_paired_fraction: float = 0.0  # share of the other languages' documented rows also rendered as pairs
    give_signature: bool = True  # doc->code prompts show the signature (match the RL config's rollout.give_signature)
    fence_parallel_code: bool = False  # each rendering of a parallel document in its own code fence, as replies are
    architecture: str = "qwen2"  # qwen2 or llama
    vocab_size: int = 2048  # upper bound on the BPE vocabulary
    hidden_size: int = 192
    num_layers: int = 4
    num_heads: int = 6
    num_kv_heads: int = 2
    intermediate_size: int | None = None  # MLP width (default 2.75 x hidden)
    block_size: int = 256  # tokens per training sequence (documents are packed whole)
    max_position_embeddings: int = 1024  # the model's context (prompts plus generations must fit)
    batch_size: int = 16  # blocks per optimizer step
    steps: int = 1500  # optimizer steps
    lr: float = 2e-3  # peak learning rate
    warmup_steps: int = 50  # linear warm-up
    min_lr_ratio: float = 0.1  # cosine decay ends at lr x this
    weight_decay: float = 0.1  # AdamW weight decay
    max_grad_norm: float = 1.0  # gradient clipping
    eval_fraction: float = 0.02  # share of blocks held out for the eval loss
    eval_every: int = 100  # eval loss every N steps (and at the end)
    seed: int = 0  # data rendering, order and initialisation

    def __post_init__(self) -> None:
        from batcoder.models.tiny import ARCHITECTURES

        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, got {self.architecture!r}")
        for name in ("steps", "batch_size", "block_size", "eval_every", "hidden_size", "num_layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.code_only_paired_fraction <= 1.0:
            raise ValueError(f"code_only_paired_fraction must be in [0, 1], got {self.code_only_paired_fraction}")
        if not 0.0 <= self.eval_fraction < 0.5:
            raise ValueError(f"eval_fraction must be in [0, 0.5), got {self.eval_fraction}")
        if self.block_size > self.max_position_embeddings:
            raise ValueError(f"block_size ({self.block_size}) exceeds max_position_embeddings ({self.max_position_embeddings})")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")


@dataclass
class PretrainResult:
    model_dir: Path
    cached: bool  # True when an earlier run with the same key was reused
    record: dict  # batcoder_pretrain.json: config, key, data counts, timing, losses


def cache_key(config: PretrainConfig) -> str:
    """12 hex digits of the SHA-256 of the config and the corpus file's bytes (not its path: the same
    corpus elsewhere is the same model)."""
    settings = {name: value for name, value in asdict(config).items() if name != "corpus"}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    try:
        with open(config.corpus, "rb") as corpus:
            for chunk in iter(lambda: corpus.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        raise ValueError(f"cannot read corpus {config.corpus}: {error.strerror or error}") from None
    return digest.hexdigest()[:12]


def render_documents(rows, config: PretrainConfig) -> tuple[list[tuple[list[dict] | None, str]], dict[str, int]]:
    """The corpus as documents: ``(messages, reply)`` for a doc<->code pair, ``(None, code)`` for
    plain code, ``(None, code + blank line + code ...)`` for the rows of one ``parallel`` group
    (translations of one function, in row order, each fenced with ``fence_parallel_code``); and counts by kind (``pairs``, ``code``,
    ``parallel code``, and skip reasons)."""
    from batcoder.rollout.functions import corpus_functions
    from batcoder.sft import DIRECTIONS, SFTConfig, pair_messages

    pair_config = SFTConfig(direction=DIRECTIONS[0], give_signature=config.give_signature)
    chooser = random.Random(config.seed)
    documents: list[tuple[list[dict] | None, str]] = []
    skipped: dict[str, int] = {}
    counts: dict[str, int] = {}

    def count(kind: str, number: int = 1) -> None:
        counts[kind] = counts.get(kind, 0) + number

    parallel_documents: dict[str, int] = {}  # parallel group -> its document's index
    for row, function in corpus_functions(rows, skipped):
        language = row["language"]
        group = row.get("parallel")
        if group is not None:
            code = f"```{language}\n{function.code}\n```" if config.fence_parallel_code else function.code
            if group in parallel_documents:
                index = parallel_documents[group]
                documents[index] = (None, documents[index][1] + "\n\n" + code)
            else:
                parallel_documents[group] = len(documents)
                documents.append((None, code))
            count(f"parallel code ({language})")
            continue
        documented = bool(row.get("documentation") or row.get("docstring"))
        paired = language in config.paired_languages or chooser.random() < config.code_only_paired_fraction
        if documented and paired:
            pairs, reason = pair_messages(row, function, pair_config)
            if pairs:
                documents.extend(pairs)
                count(f"pairs ({language})", len(pairs))
                continue
            if language in config.paired_languages:
                count(f"skipped: {reason}")
                continue
        documents.append((None, function.code))
        count(f"code ({language})")
    if parallel_documents:
        count("parallel documents", len(parallel_documents))
    for reason, number in skipped.items():
        count(f"skipped: {reason}", number)
    return documents, counts


def tokenizer_texts(documents) -> list[str]:
    texts = []
    for messages, text in documents:
        texts.extend(message["content"] for message in messages or ())
        texts.append(text)
    return texts


def encode_document(tokenizer, messages: list[dict] | None, text: str) -> list[int]:
    """BOS, the rendered prompt (for a pair) and the text, then EOS: what generation later sees."""
    from batcoder.models import encode_prompt, render_prompt

    if messages is None:
        return [tokenizer.bos_token_id] + tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    prompt_ids = encode_prompt(tokenizer, render_prompt(tokenizer, messages))
    return prompt_ids + tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]


def pack(documents: list[list[int]], block_size: int) -> tuple[list[list[int]], int]:
    """Documents packed whole, in order, into blocks of at most ``block_size`` tokens (a document
    that does not fit starts the next block), and the number of documents longer than a block
    (left out)."""
    blocks: list[list[int]] = []
    current: list[int] = []
    too_long = 0
    for ids in documents:
        if len(ids) > block_size:
            too_long += 1
            continue
        if len(current) + len(ids) > block_size:
            blocks.append(current)
            current = []
        current.extend(ids)
    if current:
        blocks.append(current)
    return blocks, too_long


def lr_multiplier(step: int, config: PretrainConfig) -> float:
    """Linear warm-up to 1, then cosine decay to ``min_lr_ratio`` at the last step."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def plot_loss(metrics_path: Path, output: Path) -> Path | None:
    """PNG of the training loss (and the held-out blocks' loss) over steps."""
    from batcoder.rl.metrics import read_metrics

    records = read_metrics(metrics_path)
    if not records:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    trained = [r for r in records if "loss" in r]
    axis.plot([r["step"] for r in trained], [r["loss"] for r in trained], label="train")
    evaluated = [r for r in records if "eval_loss" in r]
    if evaluated:
        axis.plot([r["step"] for r in evaluated], [r["eval_loss"] for r in evaluated], marker="o", label="held-out blocks")
    axis.set(xlabel="step", ylabel="cross-entropy (nats/token)", title="pretraining loss", yscale="log")
    axis.legend()
    figure.tight_layout()
    figure.savefig(output, dpi=100)
    plt.close(figure)
    return output


def pretrain(config: PretrainConfig, cache_dir: str | os.PathLike, *, progress: bool = True) -> PretrainResult:
    """The model for ``config`` under ``cache_dir/<cache key>``: reused when it exists, otherwise
    trained and written there (atomically: an interrupted run leaves no model behind)."""
    key = cache_key(config)
    model_dir = Path(cache_dir) / f"pretrain-{key}"
    record_path = model_dir / RECORD
    if record_path.is_file():
        return PretrainResult(model_dir, True, json.loads(record_path.read_text(encoding="utf-8")))

    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM

    from batcoder.data import read_corpus
    from batcoder.data.jsonl import write_json
    from batcoder.models.loading import staged_directory
    from batcoder.models.tiny import train_tokenizer, tiny_config
    from batcoder.sft import Example, collate, mean_response_loss

    documents, counts = render_documents(read_corpus(config.corpus), config)
    if not documents:
        raise ValueError(f"{config.corpus}: no usable rows to pretrain on ({counts or 'the corpus is empty'})")
    tokenizer = train_tokenizer(tokenizer_texts(documents), config.vocab_size)
    tokenizer.model_max_length = config.max_position_embeddings
    encoded = [encode_document(tokenizer, messages, text) for messages, text in documents]
    rng = random.Random(config.seed)
    rng.shuffle(encoded)
    packed, too_long = pack(encoded, config.block_size)
    blocks = [Example(prompt_ids=[], response_ids=block) for block in packed]  # every token has a loss
    if too_long:
        counts[f"skipped: longer than block_size={config.block_size}"] = too_long
    held_out = max(1, int(len(blocks) * config.eval_fraction)) if config.eval_fraction else 0
    eval_blocks, train_blocks = blocks[:held_out], blocks[held_out:]
    if not train_blocks:
        raise ValueError(f"{config.corpus}: too little text to pretrain on ({len(blocks)} blocks of {config.block_size} tokens)")

    model_config = tiny_config(
        config.architecture, tokenizer, hidden_size=config.hidden_size, num_layers=config.num_layers,
        num_heads=config.num_heads, num_kv_heads=config.num_kv_heads,
        intermediate_size=config.intermediate_size or int(config.hidden_size * 2.75),
        max_position_embeddings=config.max_position_embeddings,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = AutoModelForCausalLM.from_config(model_config)
        order = torch.Generator().manual_seed(config.seed)
    parameters = sum(p.numel() for p in model.parameters())
    pad_id = tokenizer.pad_token_id
    decay = [p for p in model.parameters() if p.dim() >= 2]  # matrices decay; norms and biases do not
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr, betas=(0.9, 0.95),
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_multiplier(step, config))

    with staged_directory(model_dir, "model pretrain") as staging:
        metrics_path = staging / METRICS
        queue: list[int] = []
        tokens_seen = 0
        started = time.perf_counter()
        loss_first = loss_value = float("nan")
        model.train()
        with metrics_path.open("w", encoding="utf-8") as metrics, tqdm(
            range(config.steps), desc="pretrain", unit="step", disable=not progress, dynamic_ncols=True
        ) as bar:
            for step in bar:
                batch = []
                while len(batch) < config.batch_size:
                    if not queue:  # a new epoch in a fresh seeded order
                        queue = torch.randperm(len(train_blocks), generator=order).tolist()
                    batch.append(train_blocks[queue.pop()])
                input_ids, attention_mask, labels = collate(batch, pad_id, model.device)
                loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    raise RuntimeError(f"pretraining loss became {loss_value} at step {step + 1}; lower lr (now {config.lr})")
                if step == 0:
                    loss_first = loss_value
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                schedule.step()
                tokens_seen += int(attention_mask.sum())
                elapsed = time.perf_counter() - started
                record = {"step": step + 1, "loss": loss_value, "lr": schedule.get_last_lr()[0],
                          "tokens": tokens_seen, "tokens_per_s": tokens_seen / elapsed, "elapsed_s": elapsed}
                if eval_blocks and ((step + 1) % config.eval_every == 0 or step + 1 == config.steps):
                    model.eval()
                    record["eval_loss"] = mean_response_loss(model, eval_blocks, pad_id, config.batch_size)
                    model.train()
                metrics.write(json.dumps(record) + "\n")
                bar.set_postfix(loss=f"{loss_value:.3f}", tok_s=f"{record['tokens_per_s']:,.0f}", refresh=False)
        seconds = time.perf_counter() - started
        model.eval()
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        plot_loss(metrics_path, staging / PLOT)
        record = {
            "key": key,
            "config": asdict(config),
            "parameters": parameters,
            "vocab_size": len(tokenizer),
            "documents": counts,
            "train_blocks": len(train_blocks),
            "eval_blocks": len(eval_blocks),
            "tokens_trained": tokens_seen,
            "seconds": round(seconds, 1),
            "tokens_per_s": round(tokens_seen / seconds, 1),
            "loss_first": loss_first,
            "loss_last": loss_value,
            "eval_loss": mean_response_loss(model, eval_blocks, pad_id, config.batch_size) if eval_blocks else None,
            "threads": torch.get_num_threads(),
        }
        write_json(staging / RECORD, record)
    return PretrainResult(model_dir, False, record)
