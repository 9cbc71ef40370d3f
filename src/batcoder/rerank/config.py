"""Typed configuration of ``batcoder rerank train`` and ``batcoder rerank iterate``: YAML file +
``key=value`` overrides, validated like ``batcoder train``'s (:mod:`batcoder.config`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from batcoder.config import _build, _field, _merge, parse_overrides
from batcoder.errors import UserError


@dataclass
class RerankModelConfig:
    base: str = _field("runs/quickstart/sft-model", "HF model (local directory or hub id) the reranker starts from")
    head: Literal["value", "classification"] = _field("value", "value: linear head on a causal LM's last hidden state; classification: AutoModelForSequenceClassification, one label")
    max_length: int = _field(1024, "tokens of prompt + candidate the reranker reads (cut from the left)")
    lora_rank: int = _field(0, "LoRA rank; 0 trains all parameters")
    lora_alpha: int = _field(32, "LoRA scaling alpha (used when lora_rank > 0)")
    lora_dropout: float = _field(0.0, "LoRA dropout (used when lora_rank > 0)")
    device: str | None = _field(None, "torch device; None picks cuda when available, else cpu")


@dataclass
class RerankDataConfig:
    candidates: str = _field("runs/rerank/candidates.jsonl", "labelled candidates (`batcoder rerank sample`)")
    eval_candidates: str | None = _field(None, "held-out labelled candidates; None holds out data.eval_fraction of the problems")
    eval_fraction: float = _field(0.2, "share of problems held out (stable hash of the task id) when data.eval_candidates is None")
    max_pairs_per_problem: int = _field(64, "most (passing, failing) pairs drawn from one problem")


@dataclass
class RerankOptimConfig:
    steps: int = _field(200, "optimizer steps")
    pairs_per_step: int = _field(8, "(passing, failing) pairs per step")
    pointwise_weight: float = _field(0.0, "weight of the pointwise BCE term (all-pass / all-fail problems count there); 0 = pairwise only")
    pointwise_per_step: int = _field(8, "candidates per step for the pointwise term")
    lr: float = _field(1e-4, "AdamW learning rate")
    weight_decay: float = _field(0.0, "AdamW weight decay")
    warmup_steps: int = _field(0, "steps of linear learning-rate warm-up")
    grad_clip: float = _field(1.0, "max global gradient norm (0 disables clipping)")


@dataclass
class RerankRunConfig:
    output_dir: str = _field("runs/rerank/train", "run directory (config, metrics, checkpoints, model/)")
    seed: int = _field(0, "seed of the head's initialisation and the pair order")
    eval_every: int = _field(50, "held-out metrics every N steps (and at the end); 0 = only at the end")
    checkpoint_every: int = _field(50, "resumable checkpoint every N steps; 0 = only at the end")
    keep_last: int = _field(2, "checkpoints kept on disk")
    tensorboard: bool = _field(True, "write TensorBoard logs to <output_dir>/tensorboard")
    score_batch_size: int = _field(16, "candidates per forward pass when scoring")
    threads: int | None = _field(None, "torch CPU threads; None keeps torch's default")


@dataclass
class RerankTrainConfig:
    model: RerankModelConfig = field(default_factory=RerankModelConfig, metadata={"help": "the reranker's model"})
    data: RerankDataConfig = field(default_factory=RerankDataConfig, metadata={"help": "labelled candidates"})
    train: RerankOptimConfig = field(default_factory=RerankOptimConfig, metadata={"help": "objective and optimisation"})
    run: RerankRunConfig = field(default_factory=RerankRunConfig, metadata={"help": "seeds, logging, checkpoints"})


_POSITIVE = {"model.max_length", "data.max_pairs_per_problem", "train.steps", "train.pairs_per_step",
             "train.pointwise_per_step", "run.keep_last", "run.score_batch_size"}
_NON_NEGATIVE = {"model.lora_rank", "model.lora_dropout", "train.pointwise_weight", "train.lr", "train.weight_decay",
                 "train.warmup_steps", "train.grad_clip", "run.eval_every", "run.checkpoint_every"}


def validate(config: RerankTrainConfig) -> RerankTrainConfig:
    for key in sorted(_POSITIVE | _NON_NEGATIVE):
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        if key in _POSITIVE and value <= 0:
            raise UserError(f"config key '{key}': must be > 0, got {value}")
        if value < 0:
            raise UserError(f"config key '{key}': must be >= 0, got {value}")
    if not 0.0 <= config.data.eval_fraction < 1.0:
        raise UserError(f"config key 'data.eval_fraction': must be in [0, 1), got {config.data.eval_fraction}")
    return config


def read_yaml_sections(path: str | Path | None) -> dict:
    """The mapping in a YAML config file (``{}`` for ``None``); unreadable or invalid YAML is one line."""
    if path is None:
        return {}
    path = Path(path)
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"{path}: cannot read config ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise UserError(f"{path}{f':{mark.line + 1}' if mark else ''}: invalid YAML ({getattr(error, 'problem', error)})") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise UserError(f"{path}: the config must be a mapping of sections")
    return loaded or {}


def load_rerank_config(path: str | Path | None, overrides: list[str] = ()) -> RerankTrainConfig:
    """The config in ``path`` (None = defaults) with dotted ``key=value`` ``overrides`` applied."""
    values = _merge(read_yaml_sections(path), parse_overrides(list(overrides)))
    try:
        return validate(_build(RerankTrainConfig, values, ""))
    except UserError as error:
        raise UserError(f"{path}: {error}" if path is not None else str(error)) from None


def save_yaml(config, path: Path) -> None:
    """Write a config dataclass as YAML atomically."""
    from batcoder.data.jsonl import atomic_output

    with atomic_output(path) as out:
        out.write(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False))
