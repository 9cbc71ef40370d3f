"""Typed configuration of ``batcoder rerank train`` (and the reranker section of ``rerank iterate``),
in the project's one config style (:mod:`batcoder.config`: YAML + dotted ``key=value`` overrides,
one doc line and a range check per field)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from batcoder.config import QUICKSTART_MODEL, check_device, load_config, setting


@dataclass
class RerankModelConfig:
    base: str = setting(QUICKSTART_MODEL, "HF model (local directory or hub id) the reranker starts from", path=True)
    head: Literal["value", "classification"] = setting("value", "value: linear head on a causal LM's last hidden state; classification: AutoModelForSequenceClassification, one label")
    max_length: int = setting(1024, "tokens of prompt + candidate the reranker reads (cut from the left)", check="positive")
    execution_inputs: int = setting(0, "the candidate's outputs on this many inputs generated from its signature follow its code in what the reranker reads (LEVER); 0 = the code alone", check="non_negative")
    lora_rank: int = setting(0, "LoRA rank; 0 trains all parameters", check="non_negative")
    lora_alpha: int = setting(32, "LoRA scaling alpha (used when lora_rank > 0)", check="positive")
    lora_dropout: float = setting(0.0, "LoRA dropout (used when lora_rank > 0)", check="fraction")
    device: str | None = setting(None, "torch device; None picks cuda when available, else cpu")

    def __post_init__(self) -> None:
        check_device(self.device, "config key 'model.device'")


@dataclass
class RerankDataConfig:
    candidates: str = setting("runs/rerank/candidates.jsonl", "labelled candidates (`batcoder rerank sample`)", path=True)
    eval_candidates: str | None = setting(None, "held-out labelled candidates; None holds out data.eval_fraction of the problems", path=True)
    eval_fraction: float = setting(0.2, "share of problems held out (stable hash of the task id) when data.eval_candidates is None", check="fraction")
    max_pairs_per_problem: int = setting(64, "most (passing, failing) pairs drawn from one problem", check="positive")


@dataclass
class RerankOptimConfig:
    steps: int = setting(200, "optimizer steps", check="positive")
    pairs_per_step: int = setting(8, "(passing, failing) pairs per step", check="positive")
    pointwise_weight: float = setting(0.0, "weight of the pointwise BCE term (all-pass / all-fail problems count there); 0 = pairwise only", check="non_negative")
    pointwise_per_step: int = setting(8, "candidates per step for the pointwise term", check="positive")
    lr: float = setting(1e-4, "AdamW learning rate", check="non_negative")
    weight_decay: float = setting(0.0, "AdamW weight decay", check="non_negative")
    warmup_steps: int = setting(0, "steps of linear learning-rate warm-up", check="non_negative")
    grad_clip: float = setting(1.0, "max global gradient norm (0 disables clipping)", check="non_negative")


@dataclass
class RerankRunConfig:
    output_dir: str = setting("runs/rerank/train", "run directory (config, metrics, checkpoints, model/)", path=True)
    seed: int = setting(0, "seed of the head's initialisation and the pair order")
    eval_every: int = setting(50, "held-out metrics every N steps (and at the end); 0 = only at the end", check="non_negative")
    checkpoint_every: int = setting(50, "resumable checkpoint every N steps; 0 = only at the end", check="non_negative")
    keep_last: int = setting(2, "checkpoints kept on disk", check="positive")
    tensorboard: bool = setting(True, "write TensorBoard logs to <output_dir>/tensorboard")
    score_batch_size: int = setting(16, "candidates per forward pass when scoring", check="positive")
    threads: int | None = setting(None, "torch CPU threads; None keeps torch's default", check="positive")
    collective_timeout_s: float = setting(1800.0, "with several processes: a rank waiting this long on another (failed or stuck) ends the run with an error", check="positive")


@dataclass
class RerankTrainConfig:
    model: RerankModelConfig = field(default_factory=RerankModelConfig, metadata={"help": "the reranker's model"})
    data: RerankDataConfig = field(default_factory=RerankDataConfig, metadata={"help": "labelled candidates"})
    train: RerankOptimConfig = field(default_factory=RerankOptimConfig, metadata={"help": "objective and optimisation"})
    run: RerankRunConfig = field(default_factory=RerankRunConfig, metadata={"help": "seeds, logging, checkpoints"})


def load_rerank_config(path: str | Path | None, overrides: list[str] = ()) -> RerankTrainConfig:
    """The config in ``path`` (None = defaults) with dotted ``key=value`` ``overrides`` applied."""
    return load_config(path, overrides, RerankTrainConfig)
