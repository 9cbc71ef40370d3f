"""Typed configuration of a ``batcoder train`` run: YAML file + ``key=value`` overrides, validated.

Every field has one doc line (``metadata["help"]``); :func:`load_config` rejects unknown keys and
values of the wrong type with a one-line :class:`~batcoder.cli.UserError` naming the dotted key.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from batcoder.errors import UserError


def _field(default: Any, help: str, **kwargs: Any) -> Any:
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass
class ModelConfig:
    path: str = _field("runs/quickstart/sft-model", "local directory (or hub id) of the Hugging Face causal LM to train")
    dtype: str = _field("auto", "forward-pass dtype (autocast on GPU; trained weights stay float32) and LoRA base dtype: auto | float32 | bfloat16 | float16")
    lora_rank: int = _field(0, "LoRA rank; 0 trains all parameters")
    lora_alpha: int = _field(32, "LoRA scaling alpha (used when lora_rank > 0)")
    lora_dropout: float = _field(0.0, "LoRA dropout (used when lora_rank > 0)")
    gradient_checkpointing: bool = _field(False, "recompute activations in the backward pass to save memory")
    device: str | None = _field(None, "torch device; None picks cuda when available, else cpu")


@dataclass
class DataConfig:
    corpus: str = _field("runs/quickstart/corpus.jsonl", "JSONL corpus written by `batcoder data build`")
    language: str | None = _field(None, "keep only functions of this language; None keeps all")
    split: str = _field("train", "corpus split to draw functions from")
    max_functions: int | None = _field(None, "use at most this many functions (after filtering); None = all")
    max_code_chars: int = _field(2000, "skip functions longer than this many characters")
    eval_corpus: str | None = _field(None, "JSONL corpus of the held-out functions; None = data.corpus")
    eval_split: str = _field("valid", "corpus split of the held-out functions")
    eval_functions: int = _field(16, "held-out functions evaluated every run.eval_every steps")


@dataclass
class RolloutConfig:
    functions_per_step: int = _field(8, "functions (groups) per RL step")
    docs_per_function: int = _field(8, "K: documentation samples per function (code→doc)")
    temperature: float = _field(1.0, "sampling temperature for both stages")
    top_p: float = _field(1.0, "nucleus sampling threshold for both stages")
    max_doc_tokens: int = _field(256, "max new tokens of a documentation sample")
    max_code_tokens: int = _field(384, "max new tokens of a reconstruction")
    give_signature: bool = _field(False, "show the original signature in the doc→code prompt")
    similarity_metric: str = _field("cssg", "similarity metric S(c, c') (see `batcoder similarity --help`)")
    reward_workers: int = _field(1, "worker processes scoring similarity; 0 scores in the main process (no overlap)")
    chunk_functions: int = _field(4, "functions generated per chunk; a chunk is scored while the next one generates")
    backend: str = _field("hf", "generation backend")
    generation_batch_size: int = _field(32, "sequences per generate call (larger is faster until memory runs out)")


@dataclass
class RLConfig:
    advantage: Literal["reinforce++", "reinforce++-baseline", "grpo"] = _field(
        "reinforce++", "advantage estimator (each stage normalised separately)"
    )
    kl_beta: float = _field(0.0, "weight of the per-token k3 KL to a frozen reference; 0 loads no reference")
    clip_eps: float = _field(0.2, "PPO ratio clipping epsilon")
    epochs: int = _field(1, "E: passes over each step's replay buffer")
    micro_batch_size: int = _field(8, "trajectories per forward/backward pass")
    grad_accumulation: int = _field(4, "micro-batches accumulated per optimizer step")
    grad_clip: float = _field(1.0, "max global gradient norm (0 disables clipping)")
    lr: float = _field(1e-6, "AdamW learning rate")
    weight_decay: float = _field(0.0, "AdamW weight decay")
    scheduler: Literal["constant", "cosine", "linear"] = _field("constant", "learning-rate schedule after warm-up")
    warmup_steps: int = _field(0, "RL steps of linear learning-rate warm-up")
    dynamic_sampling: bool = _field(True, "drop groups with no reward variance and sample more functions")
    dynamic_sampling_limit: int = _field(2, "max extra rollout rounds per step for dynamic sampling")
    train_stages: Literal["both", "code2doc", "doc2code"] = _field(
        "both", "stages whose trajectories are trained; doc2code = the paper's stage-1-frozen ablation"
    )


@dataclass
class RunConfig:
    steps: int = _field(100, "RL steps (rollout + update)")
    seed: int = _field(0, "seed of data order, sampling and initialisation")
    log_every: int = _field(1, "write metrics every N steps")
    checkpoint_every: int = _field(25, "save a resumable checkpoint every N steps (0 = only at the end)")
    keep_last: int = _field(2, "checkpoints kept on disk")
    output_dir: str = _field("runs/train", "run directory (config, metrics, logs, checkpoints, final model)")
    tensorboard: bool = _field(True, "write TensorBoard logs to <output_dir>/tensorboard")
    wandb: bool = _field(False, "also log to Weights & Biases (needs `pip install wandb`)")
    wandb_project: str = _field("batcoder", "W&B project name")
    threads: int | None = _field(None, "torch CPU threads; None keeps torch's default")
    eval_every: int = _field(0, "held-out back-translation score before training and every N steps (0 = never)")


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "policy model"})
    data: DataConfig = field(default_factory=DataConfig, metadata={"help": "unlabeled code to train on"})
    rollout: RolloutConfig = field(default_factory=RolloutConfig, metadata={"help": "sampling and rewards"})
    rl: RLConfig = field(default_factory=RLConfig, metadata={"help": "advantages, loss and optimisation"})
    run: RunConfig = field(default_factory=RunConfig, metadata={"help": "length, seeds, logging, checkpoints"})


_POSITIVE = {
    "rollout.functions_per_step", "rollout.docs_per_function", "rollout.max_doc_tokens",
    "rollout.max_code_tokens", "rollout.chunk_functions", "rl.epochs",
    "rl.micro_batch_size", "rl.grad_accumulation", "run.steps", "run.log_every", "run.keep_last",
    "data.eval_functions", "rollout.generation_batch_size",
}
_NON_NEGATIVE = {
    "rl.kl_beta", "rl.clip_eps", "rl.grad_clip", "rl.lr", "rl.weight_decay", "rl.warmup_steps",
    "rl.dynamic_sampling_limit", "run.checkpoint_every", "rollout.reward_workers", "model.lora_rank", "model.lora_dropout",
    "data.max_code_chars", "run.eval_every",
}


def _convert(value: Any, annotation: Any, key: str) -> Any:
    """``value`` checked (and int→float widened) against ``annotation``; UserError otherwise."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option, key)
            except UserError as error:
                errors.append(str(error))
        raise UserError(errors[0] if errors else f"config key '{key}': must not be null")
    if origin is list:
        if not isinstance(value, list):
            raise UserError(f"config key '{key}': expected a list, got {value!r}")
        (item,) = typing.get_args(annotation)
        return [_convert(element, item, f"{key}[{index}]") for index, element in enumerate(value)]
    if origin is Literal:
        choices = typing.get_args(annotation)
        if value not in choices:
            raise UserError(f"config key '{key}': {value!r} is not one of {', '.join(map(str, choices))}")
        return value
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads "1e-5" (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif annotation is str:
        if isinstance(value, str):
            return value
    raise UserError(f"config key '{key}': expected {annotation.__name__}, got {value!r}")


def _build(cls: type, values: dict, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if name not in names:
            raise UserError(f"config key '{key}': unknown key (known: {', '.join(sorted(names))})")
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(value, dict):
                raise UserError(f"config key '{key}': expected a mapping of {annotation.__name__} fields")
            kwargs[name] = _build(annotation, value, f"{key}.")
        else:
            kwargs[name] = _convert(value, annotation, key)
    return cls(**kwargs)


def _validate(config: TrainConfig) -> None:
    for key in sorted(_POSITIVE | _NON_NEGATIVE):
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        if key in _POSITIVE and value <= 0:
            raise UserError(f"config key '{key}': must be > 0, got {value}")
        if key in _NON_NEGATIVE and value < 0:
            raise UserError(f"config key '{key}': must be >= 0, got {value}")
    if config.data.max_functions is not None and config.data.max_functions <= 0:
        raise UserError(f"config key 'data.max_functions': must be > 0, got {config.data.max_functions}")
    if not 0.0 < config.rollout.top_p <= 1.0:
        raise UserError(f"config key 'rollout.top_p': must be in (0, 1], got {config.rollout.top_p}")
    if config.rollout.temperature <= 0:
        raise UserError(f"config key 'rollout.temperature': must be > 0, got {config.rollout.temperature}")
    if config.model.dtype not in ("auto", "float32", "bfloat16", "float16"):
        raise UserError(f"config key 'model.dtype': {config.model.dtype!r} is not one of auto, float32, bfloat16, float16")


def parse_overrides(overrides: list[str]) -> dict:
    """``["rl.lr=1e-5", "run.steps=3"]`` → nested dict; values are parsed as YAML scalars."""
    nested: dict = {}
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or not key:
            raise UserError(f"override {override!r}: expected key=value, e.g. rl.lr=1e-5")
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise UserError(f"override {override!r}: '{part}' is set both as a value and a section")
        try:
            node[leaf] = yaml.safe_load(raw) if raw != "" else ""
        except yaml.YAMLError:
            node[leaf] = raw
    return nested


def _merge(base: dict, update: dict) -> dict:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_from_dict(values: dict) -> TrainConfig:
    config = _build(TrainConfig, values, "")
    _validate(config)
    return config


def load_config(path: str | Path | None, overrides: list[str] = ()) -> TrainConfig:
    """The config in ``path`` (YAML; None = defaults) with dotted ``key=value`` ``overrides`` applied."""
    values: dict = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise UserError(f"{path}: cannot read config ({error.strerror})") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise UserError(f"{path}{where}: invalid YAML ({getattr(error, 'problem', error)})") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise UserError(f"{path}: the config must be a mapping of sections (model, data, rollout, rl, run)")
        values = loaded or {}
    try:
        return config_from_dict(_merge(values, parse_overrides(list(overrides))))
    except UserError as error:
        raise UserError(f"{path}: {error}" if path is not None else str(error)) from None


def config_to_dict(config: TrainConfig) -> dict:
    return dataclasses.asdict(config)


def save_config(config: TrainConfig, path: Path) -> None:
    """Write the resolved config as YAML atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(config_to_dict(config), sort_keys=False), encoding="utf-8")
    tmp.replace(path)
