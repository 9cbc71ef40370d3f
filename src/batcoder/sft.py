"""``batcoder sft``: supervised training on documentation <-> code pairs: a warm-up on the corpus's
own docstrings, or the SFT-on-synthetic-pairs baseline.

This is a warm-up, not the method: a randomly initialised tiny model (``batcoder model init-tiny``)
knows nothing, so before an RL run on CPU it is trained to write a function's docstring from its
comment-free code (code2doc) and the code from the docstring (doc2code), using exactly the prompts
the RL rollout uses. Only functions that have a docstring take part; the docstring is rewritten
into the documentation format the code->doc prompt asks for (:func:`structured_doc`) and kept only
if :func:`batcoder.docfilter.check` accepts it. Rows with a ``documentation`` field (written by
``batcoder synthesize``: the model's own documentation of unlabeled code) use it as is instead: that
is the paper's "SFT on synthetic pairs" baseline. The loss is on response tokens only (the reply and
its EOS), averaged over the batch's response tokens; AdamW, linear warm-up, gradient clipping; on a
GPU bfloat16 autocast and activation checkpointing.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from batcoder.config import check_device, setting

DIRECTIONS = ("both", "code2doc", "doc2code")


@dataclass
class SFTConfig:
    """Settings of the supervised warm-up (each one is also a ``batcoder sft`` flag)."""

    steps: int = setting(300, "optimizer steps", check="positive")
    lr: float = setting(1e-3, "peak learning rate (1e-3 suits a tiny random model; use ~1e-5 for a pretrained one)", check="positive")
    batch_size: int = setting(8, "examples per optimizer step", check="positive")
    max_length: int = setting(512, "examples longer than this many tokens (prompt + response) are skipped", check="positive")
    direction: Literal["both", "code2doc", "doc2code"] = setting("both", "which pairs to train on")
    give_signature: bool = setting(False, "show the signature in doc->code prompts (match the RL config)")
    warmup_steps: int = setting(10, "linear learning-rate warm-up steps", check="non_negative")
    weight_decay: float = setting(0.0, "AdamW weight decay", check="non_negative")
    max_grad_norm: float = setting(1.0, "gradient clipping norm", check="positive")
    split: str = setting("train", "corpus split to train on")
    eval_examples: int = setting(64, "examples whose loss is reported before and after training", check="positive")
    seed: int = setting(0, "data order and initial state")
    device: str | None = setting(None, "cpu, cuda, ... (default: cuda when available)")

    def __post_init__(self) -> None:
        check_device(self.device, "config key 'device'")


@dataclass
class SFTResult:
    output_dir: Path
    examples: int  # training examples (prompt, response) built
    skipped: dict[str, int]  # corpus rows or examples left out, by reason (no docstring, too long, ...)
    loss_before: float  # mean response-token loss on the first eval_examples, before training
    loss_after: float  # the same after training


@dataclass(frozen=True)
class Example:
    prompt_ids: list[int]
    response_ids: list[int]  # the reply's tokens followed by EOS; the only tokens with a loss


_PARAMETER_SECTION = re.compile(r"(?:args|arguments|parameters|params|keyword arguments)\s*:?$", re.I)
_RETURN_SECTION = re.compile(r"(?:returns?|yields?)\s*:?\s*(.*)$", re.I)
_OTHER_SECTION = re.compile(r"(?:raises|throws|exceptions|examples?|notes?|see also|attributes|todo)\s*:?$", re.I)
_UNDERLINE = re.compile(r"-{3,}$")
_SPHINX_PARAMETER = re.compile(r":param\s+(?:[^:]*\s)?\**(\w+):\s*(.*)$")
_TAG_PARAMETER = re.compile(r"@param\s+(?:\{[^}]*\}\s*)?\[?(\w+)\]?\s*(?:\[[^\]]*\]\s*)?[-:]?\s*(.*)$")
_TAG_RETURN = re.compile(r"(?::returns?:|@returns?)\s*(?:\{[^}]*\}\s*)?(?:\[[^\]]*\]\s*)?(.*)$")
_LISTED_PARAMETER = re.compile(r"\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")


def structured_doc(docstring: str) -> str | None:
    """A corpus docstring rewritten into the documentation format of :mod:`batcoder.prompts`.

    The description's first sentence is the summary and its other sentences the behaviour steps
    (the summary again when there are none); parameters and the return value come from Google,
    NumPy, Sphinx (``:param x:``) or tag (``@param x``) sections, and are omitted when absent.
    ``None`` when the docstring has no description.
    """
    from batcoder.prompts import render_doc

    description: list[str] = []
    parameters: list[list[str]] = []
    returns: list[str] = []
    section = "description"
    for raw_line in docstring.strip().splitlines():
        line = raw_line.strip()
        if not line or _UNDERLINE.match(line) or line.startswith(">>>"):
            continue
        if match := _SPHINX_PARAMETER.match(line) or _TAG_PARAMETER.match(line):
            parameters.append([match.group(1), match.group(2)])
            section = "parameters"
        elif match := _TAG_RETURN.match(line):
            returns.append(match.group(1))
            section = "returns"
        elif line.startswith((":", "@")) or _OTHER_SECTION.match(line):
            section = "other"
        elif _PARAMETER_SECTION.match(line):
            section = "parameters"
        elif (match := _RETURN_SECTION.match(line)) and (line.endswith(":") or section != "description"):
            returns.append(match.group(1))
            section = "returns"
        elif section == "parameters" and (match := _LISTED_PARAMETER.match(line)):
            parameters.append([match.group(1), match.group(2)])
        elif section == "parameters" and parameters:
            parameters[-1][1] = f"{parameters[-1][1]} {line}".strip()
        elif section == "returns":
            returns.append(line)
        elif section == "description":
            description.append(line)
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(description)) if s.strip()]
    if not sentences:
        return None
    described = [(name, " ".join(meaning.split())) for name, meaning in parameters if meaning.strip()]
    return render_doc(
        summary=sentences[0],
        behavior=sentences[1:] or sentences[:1],
        parameters=described or None,
        returns=" ".join(" ".join(returns).split()) or None,
    )


def pair_messages(row: dict, function, config: SFTConfig) -> tuple[list[tuple[list[dict], str]], str]:
    """(messages, reply) pairs for one corpus row and its comment-free ``function``
    (:class:`~batcoder.rollout.functions.CodeFunction`), prompted exactly as the RL rollout prompts,
    the documentation in the prompts' format. Returns the pairs and, when there are none, why."""
    from batcoder import docfilter, prompts

    code, language = function.code, function.language
    doc = row["documentation"] if isinstance(row.get("documentation"), str) else structured_doc(row.get("docstring") or "")
    if doc is None:
        return [], "no docstring"
    verdict = docfilter.check(doc, code, language)
    if not verdict.valid:  # never teach a documentation the RL reward would reject
        return [], f"docfilter {verdict.reason}"
    doc = verdict.doc
    pairs = []
    if config.direction in ("both", "code2doc"):
        pairs.append((prompts.code_to_doc_messages(code, language), doc))
    if config.direction in ("both", "doc2code"):
        signature = prompts.signature_of(code, language) if config.give_signature else None
        pairs.append((prompts.doc_to_code_messages(doc, language, signature), f"```{language}\n{code}\n```"))
    return pairs, ""


def build_pairs(rows, config: SFTConfig) -> tuple[list[tuple[list[dict], str]], dict[str, int]]:
    """(messages, reply) pairs from corpus rows, and the counts of rows skipped, by reason."""
    from batcoder.rollout.functions import corpus_functions

    pairs: list[tuple[list[dict], str]] = []
    skipped: dict[str, int] = {}
    for row, function in corpus_functions(rows, skipped):
        row_pairs, reason = pair_messages(row, function, config)
        if not row_pairs:
            skipped[reason] = skipped.get(reason, 0) + 1
        pairs.extend(row_pairs)
    return pairs, skipped


def tokenize_pairs(pairs, tokenizer, max_length: int) -> tuple[list[Example], int]:
    """Examples for the pairs that fit in ``max_length`` tokens, and how many did not."""
    from batcoder.models import encode_prompt, render_prompt

    examples, too_long = [], 0
    for messages, reply in pairs:
        prompt_ids = encode_prompt(tokenizer, render_prompt(tokenizer, messages))
        response_ids = tokenizer(reply, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        if len(prompt_ids) + len(response_ids) > max_length:
            too_long += 1
        else:
            examples.append(Example(prompt_ids, response_ids))
    return examples, too_long


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items(), key=lambda item: -item[1]))


def collate(examples: list[Example], pad_id: int, device):
    """Right-padded input ids, attention mask, and labels that are -100 except on response tokens."""
    import torch

    width = max(len(e.prompt_ids) + len(e.response_ids) for e in examples)
    input_ids, attention_mask, labels = [], [], []
    for example in examples:
        ids = example.prompt_ids + example.response_ids
        padding = width - len(ids)
        input_ids.append(ids + [pad_id] * padding)
        attention_mask.append([1] * len(ids) + [0] * padding)
        labels.append([-100] * len(example.prompt_ids) + example.response_ids + [-100] * padding)
    as_tensor = lambda rows: torch.tensor(rows, device=device)  # noqa: E731
    return as_tensor(input_ids), as_tensor(attention_mask), as_tensor(labels)


def mean_response_loss(model, examples: list[Example], pad_id: int, batch_size: int) -> float:
    """Mean cross-entropy per response token over ``examples`` (no gradients)."""
    import torch

    total_loss, total_tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            input_ids, attention_mask, labels = collate(batch, pad_id, model.device)
            tokens = int((labels[:, 1:] != -100).sum())
            loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
            total_loss += float(loss) * tokens
            total_tokens += tokens
    return total_loss / total_tokens


def run_sft(
    model_path: str | os.PathLike,
    corpus_path: str | os.PathLike,
    output_dir: str | os.PathLike,
    config: SFTConfig | None = None,
    *,
    device: str | None = None,
    progress: bool = True,
) -> SFTResult:
    """Warm up the model at ``model_path`` on ``corpus_path``'s docstring/code pairs and save the
    result (a plain HF model directory) to ``output_dir``."""
    import torch
    from tqdm.auto import tqdm

    from batcoder.data import read_corpus
    from batcoder.models import save_model
    from batcoder.models.loading import resolve_device
    from batcoder.training.distributed import Processes
    from batcoder.training.setup import load_trainable, make_optimizer

    config = config or SFTConfig()
    pairs, skipped = build_pairs(read_corpus(corpus_path, split=config.split), config)
    if not pairs:
        raise ValueError(
            f"{corpus_path}: no usable docstring/code pairs in split {config.split!r} "
            f"(skipped: {format_counts(skipped) or 'nothing, the split is empty'})"
        )
    # float32 master weights; on a GPU the forward pass runs in bfloat16 with activation checkpointing.
    resolved = resolve_device(device or config.device)
    # Under accelerate launch every rank draws the same batch and trains on its share of it.
    processes = Processes.start(cpu=resolved.type == "cpu", timeout_s=1800.0, micro_batch_size=config.batch_size)
    if config.batch_size < processes.world_size:
        raise ValueError(f"batch_size {config.batch_size} is smaller than the {processes.world_size} processes; raise it")
    resolved = processes.device(resolved)
    trainable = load_trainable(str(model_path), device=str(resolved), gradient_checkpointing=resolved.type == "cuda", what="--model")
    model, tokenizer, autocast = trainable.model, trainable.tokenizer, trainable.autocast
    examples, too_long = tokenize_pairs(pairs, tokenizer, config.max_length)
    if too_long:
        skipped["longer than max_length"] = too_long
    if not examples:
        raise ValueError(f"all {len(pairs)} examples are longer than max_length={config.max_length} tokens")
    pad_id = tokenizer.pad_token_id
    eval_set = examples[: config.eval_examples]
    model.eval()
    loss_before = mean_response_loss(model, eval_set, pad_id, config.batch_size)

    generator = torch.Generator().manual_seed(config.seed)
    optimizer, schedule = make_optimizer(
        trainable.parameters, lr=config.lr, weight_decay=config.weight_decay,
        warmup_steps=config.warmup_steps, total_steps=config.steps,
    )
    policy, optimizer = processes.prepare(model, optimizer)
    order: list[int] = []
    model.train()
    bar = tqdm(range(config.steps), desc="sft", unit="step", disable=not progress or not processes.is_main)
    for _ in bar:
        batch = []
        while len(batch) < config.batch_size:
            if not order:  # a new epoch in a fresh seeded order
                order = torch.randperm(len(examples), generator=generator).tolist()
            batch.append(examples[order.pop()])
        batch_tokens = sum(len(example.response_ids) for example in batch)
        batch = processes.my_share(batch)
        input_ids, attention_mask, labels = collate(batch, pad_id, model.device)
        with autocast:
            loss = policy(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise RuntimeError(f"SFT loss became {loss_value}; lower --lr (now {config.lr})")
        optimizer.zero_grad(set_to_none=True)
        # This share's token-mean weighted by its share of the batch's tokens: the gradient averaged
        # over ranks is the mean over all the batch's response tokens.
        share = sum(len(example.response_ids) for example in batch) / batch_tokens
        processes.backward(loss * share * processes.world_size)
        processes.clip_grad_norm_(policy.parameters(), config.max_grad_norm)
        optimizer.step()
        schedule.step()
        bar.set_postfix(loss=f"{loss_value:.3f}")

    model.eval()
    loss_after = mean_response_loss(model, eval_set, pad_id, config.batch_size)
    output_dir = Path(output_dir)
    with processes.full_weights(policy):
        if processes.is_main:  # rank 0 writes the model
            record = {"warmup": "batcoder sft", "corpus": str(corpus_path), "base_model": str(model_path),
                      "examples": len(examples), "skipped": skipped, "loss_before": loss_before,
                      "loss_after": loss_after, "processes": processes.world_size, "config": asdict(config)}
            save_model(model, tokenizer, output_dir, merge_lora=True, command="sft", records={"batcoder_sft.json": record})
    processes.wait()
    return SFTResult(output_dir, len(examples), skipped, loss_before, loss_after)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sft",
        help="supervised warm-up on docstring<->code pairs, or the SFT baseline on `batcoder synthesize` pairs",
        description=(
            "Supervised warm-up: train a model on the corpus's own docstring->code and code->docstring pairs "
            "(functions with a docstring), formatted with the RL prompts, loss on the reply only. A warm-up, not "
            "the method: it gives a tiny random CPU model (`batcoder model init-tiny`) something to improve "
            "before RL. On a corpus from `batcoder synthesize` (rows with a 'documentation' field) it trains the "
            "SFT-on-synthetic-pairs baseline. Writes a plain Hugging Face model directory with batcoder_sft.json "
            "recording the run."
        ),
    )
    from batcoder.config import add_config_flags

    parser.add_argument("--model", required=True, help="model directory or hub id to start from")
    parser.add_argument("--corpus", required=True, help="corpus JSONL (from `batcoder data build`)")
    parser.add_argument("--output", required=True, help="directory to write the warmed-up model to")
    parser.add_argument("--config", help="YAML file of the settings below (flags and key=value overrides win)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="setting overrides, e.g. lr=1e-4")
    add_config_flags(parser, SFTConfig)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output of another command")
    from batcoder.training.cli import add_launch_flags

    add_launch_flags(parser)
    parser.set_defaults(func=run_sft_command)


def run_sft_command(args: argparse.Namespace) -> int:
    from batcoder.config import config_from_flags
    from batcoder.errors import UserError, first_line
    from batcoder.outputs import prepare_output
    from batcoder.training.cli import relaunched
    from batcoder.training.distributed import launched_rank

    config = config_from_flags(SFTConfig, args, path=args.config, overrides=args.overrides)

    def check_output() -> None:
        prepare_output(args.output, "sft", inputs=[args.model, args.corpus], overwrite=args.overwrite, directory=True)

    # The launched ranks get the resolved settings as overrides, so every rank trains with the same ones.
    settings = [f"{name}={value}" for name, value in asdict(config).items() if value is not None]
    command = ["sft", "--model", str(args.model), "--corpus", str(args.corpus), "--output", str(args.output),
               *(["--overwrite"] if args.overwrite else []), *settings]
    status = relaunched(args, command, check_output)
    if status is not None:
        return status
    if launched_rank() == 0:  # one rank checks and tidies the output; rank 0 alone writes it
        check_output()
    try:
        result = run_sft(args.model, args.corpus, args.output, config)
    except (OSError, ValueError) as error:
        raise UserError(first_line(error)) from None
    if launched_rank() == 0:
        print(
            f"sft warm-up: {result.examples} examples (skipped: {format_counts(result.skipped) or 'none'}), response loss "
            f"{result.loss_before:.3f} -> {result.loss_after:.3f}; model written to {result.output_dir}"
        )
    return 0
