"""Typed configuration, one style for every command that trains or generates: dataclasses with one
doc line per field, read from YAML + dotted ``key=value`` overrides (:func:`load_config`), or from
command-line flags derived from the fields (:func:`add_config_flags`), validated when loaded.

Every field has one doc line (``metadata["help"]``) and may declare a range check (``check``) and
whether it is a path (``path``: compared resolved on ``--resume``). Unknown keys, values of the wrong
type, non-finite numbers, out-of-range values, unknown registry names (rollout kind, generation
backend, similarity metric, advantage estimator) and devices this machine does not have are each a
one-line :class:`~batcoder.errors.UserError` naming the dotted key. Cross-field rules live in the
dataclasses' ``__post_init__`` (as TRL's ``GRPOConfig`` does).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from batcoder.errors import UserError

_CHECKS = {
    "positive": (lambda v: v > 0, "must be > 0"),
    "non_negative": (lambda v: v >= 0, "must be >= 0"),
    "unit_interval": (lambda v: 0 < v <= 1, "must be in (0, 1]"),
    "fraction": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
}


def setting(default: Any, help: str, *, check: str | None = None, path: bool = False, **kwargs: Any) -> Any:
    return field(default=default, metadata={"help": help, "check": check, "path": path}, **kwargs)


def check_device(value: str | None, what: str) -> None:
    """A UserError naming ``what`` unless ``value`` (None = automatic) is a device this machine has."""
    if value is None:
        return
    import torch

    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise UserError(f"{what}: {value!r} is not a torch device (e.g. cpu, cuda, cuda:1, mps)") from None
    if device.type == "cpu":
        return
    backend = getattr(torch, device.type, None) if device.type != "mps" else torch.backends.mps
    if backend is None or not hasattr(backend, "is_available") or not backend.is_available():
        raise UserError(f"{what}: {value!r} is not available on this machine (use cpu)")
    count = getattr(backend, "device_count", lambda: 1)()
    if device.index is not None and device.index >= count:
        raise UserError(f"{what}: {value!r} does not exist; this machine has {count} {device.type} device(s)")


def _check_name(key: str, name: str, choices: list[str]) -> None:
    if name not in choices:
        raise UserError(f"config key '{key}': unknown {name!r}; available: {', '.join(sorted(choices))}")


QUICKSTART_MODEL = "runs/quickstart/arms/batcoder/seed-0/train/final-model"  # what scripts/quickstart.sh trains


@dataclass
class ModelConfig:
    path: str = setting(QUICKSTART_MODEL, "local directory (or hub id) of the Hugging Face causal LM to train", path=True)
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = setting("auto", "forward-pass dtype (autocast on GPU; trained weights stay float32) and LoRA base dtype")
    lora_rank: int = setting(0, "LoRA rank; 0 trains all parameters", check="non_negative")
    lora_alpha: int = setting(32, "LoRA scaling alpha (used when lora_rank > 0)", check="positive")
    lora_dropout: float = setting(0.0, "LoRA dropout (used when lora_rank > 0)", check="fraction")
    gradient_checkpointing: bool = setting(False, "recompute activations in the backward pass to save memory")
    device: str | None = setting(None, "torch device; None picks cuda when available, else cpu")

    def __post_init__(self) -> None:
        check_device(self.device, "config key 'model.device'")


@dataclass
class DataConfig:
    corpus: str = setting("runs/quickstart/corpus.jsonl", "JSONL corpus written by `batcoder data build`", path=True)
    language: str | None = setting(None, "keep only functions of this language; None keeps all")
    split: str = setting("train", "corpus split to draw functions from")
    max_functions: int | None = setting(None, "use at most this many functions (after filtering); None = all", check="positive")
    max_code_chars: int = setting(2000, "skip functions longer than this many characters", check="non_negative")
    eval_corpus: str | None = setting(None, "JSONL corpus of the held-out functions; None = data.corpus", path=True)
    eval_split: str = setting("valid", "corpus split of the held-out functions")
    eval_functions: int = setting(16, "held-out functions evaluated every run.eval_every steps", check="positive")


@dataclass
class RolloutConfig:
    kind: str = setting("backtranslation", "rollout kind: how items become scored trajectories (a module of batcoder/rollout/)")
    functions_per_step: int = setting(8, "items (groups) per RL step", check="positive")
    docs_per_function: int = setting(8, "K: documentation samples per function (code→doc)", check="positive")
    temperature: float = setting(1.0, "sampling temperature (the update's log-probs use the same)", check="positive")
    top_p: float = setting(1.0, "nucleus sampling threshold", check="unit_interval")
    max_doc_tokens: int = setting(256, "max new tokens of a documentation sample", check="positive")
    max_code_tokens: int = setting(384, "max new tokens of a reconstruction", check="positive")
    give_signature: bool = setting(False, "show the original signature in the doc→code prompt")
    prefill_signature: bool = setting(False, "open the doc→code reply with the code fence and the signature, so the model writes only the body (needs give_signature)")
    similarity_metric: str = setting("cssg+exec", "similarity metric S(c, c') (`batcoder similarity --help`); cssg+exec ranks working reconstructions best (docs/cssg.md)")
    reward_workers: int = setting(1, "worker processes scoring rewards; 0 scores in the main process (no overlap)", check="non_negative")
    reward_timeout_s: float = setting(600.0, "a reward batch not scored within this many seconds is scored again by a fresh worker", check="positive")
    chunk_functions: int = setting(4, "functions generated per chunk; a chunk is scored while the next one generates", check="positive")
    backend: str = setting("hf", "generation backend (a module of batcoder/generation/)")
    generation_batch_size: int = setting(32, "sequences per generate call (larger is faster until memory runs out)", check="positive")
    reward_model: str | None = setting(None, "reranker directory scoring the responses (rollout kind rerank; `batcoder rerank train`)", path=True)
    problem_prompt: Literal["completion", "documentation"] = setting(
        "completion", "rollout kind rerank: a problem's prompt continued, or the doc→code request for its documentation (candidates sampled with prompt style documentation)"
    )

    def __post_init__(self) -> None:
        from batcoder.generation import available_backends
        from batcoder.rollout import available_rollouts
        from batcoder.similarity import available_metrics

        _check_name("rollout.kind", self.kind, available_rollouts())
        _check_name("rollout.backend", self.backend, available_backends(training=True))
        _check_name("rollout.similarity_metric", self.similarity_metric, available_metrics())
        if self.prefill_signature and not self.give_signature:
            raise UserError("config key 'rollout.prefill_signature': needs rollout.give_signature: true")


@dataclass
class RLConfig:
    advantage: Literal["reinforce++", "reinforce++-baseline", "grpo"] = setting(
        "reinforce++", "advantage estimator (each stage normalised separately)"
    )
    kl_beta: float = setting(0.0, "weight of the per-token k3 KL to a frozen reference; 0 loads no reference", check="non_negative")
    clip_eps: float = setting(0.2, "PPO ratio clipping epsilon", check="non_negative")
    epochs: int = setting(1, "E: passes over each step's replay buffer", check="positive")
    micro_batch_size: int = setting(8, "trajectories per forward/backward pass", check="positive")
    grad_accumulation: int = setting(4, "micro-batches accumulated per optimizer step", check="positive")
    grad_clip: float = setting(1.0, "max global gradient norm (0 disables clipping)", check="non_negative")
    lr: float = setting(1e-6, "AdamW learning rate", check="non_negative")
    weight_decay: float = setting(0.0, "AdamW weight decay", check="non_negative")
    scheduler: Literal["constant", "cosine", "linear"] = setting("constant", "learning-rate schedule after warm-up")
    warmup_steps: int = setting(0, "RL steps of linear learning-rate warm-up", check="non_negative")
    dynamic_sampling: bool = setting(
        False, "replace groups whose trained trajectories all got the same reward (0 advantage under grpo / reinforce++-baseline, not under reinforce++: docs/training.md)"
    )
    dynamic_sampling_limit: int = setting(2, "max extra rollout rounds per step for dynamic sampling", check="non_negative")
    train_stages: str = setting(
        "all", "stages trained: all, or comma-separated stage names of the rollout kind (doc2code = the paper's stage-1-frozen ablation)"
    )

    def stages_of(self, declared: tuple[str, ...]) -> tuple[str, ...]:
        """The trained stages among a rollout kind's ``declared`` ones, in declared order."""
        if self.train_stages == "all":
            return tuple(declared)
        wanted = [name.strip() for name in self.train_stages.split(",")]
        unknown = [name for name in wanted if name not in declared]
        if unknown or not wanted:
            raise UserError(f"config key 'rl.train_stages': {self.train_stages!r}: expected all or stages among {', '.join(declared)}")
        return tuple(stage for stage in declared if stage in wanted)


@dataclass
class RunConfig:
    steps: int = setting(100, "RL steps (rollout + update)", check="positive")
    seed: int = setting(0, "seed of data order, sampling and initialisation")
    log_every: int = setting(1, "write metrics every N steps", check="positive")
    checkpoint_every: int = setting(25, "save a resumable checkpoint every N steps (0 = only at the end)", check="non_negative")
    keep_last: int = setting(2, "checkpoints kept on disk", check="positive")
    output_dir: str = setting("runs/train", "run directory (config, metrics, logs, checkpoints, final model)", path=True)
    tensorboard: bool = setting(True, "write TensorBoard logs to <output_dir>/tensorboard")
    wandb: bool = setting(False, "also log to Weights & Biases (needs `pip install wandb`)")
    wandb_project: str = setting("batcoder", "W&B project name")
    threads: int | None = setting(None, "torch CPU threads; None keeps torch's default", check="positive")
    eval_every: int = setting(0, "held-out evaluation before training and every N steps (0 = never)", check="non_negative")
    collective_timeout_s: float = setting(1800.0, "with several processes: a rank waiting this long on another (failed or stuck) ends the run with an error", check="positive")


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "policy model"})
    data: DataConfig = field(default_factory=DataConfig, metadata={"help": "unlabeled code to train on"})
    rollout: RolloutConfig = field(default_factory=RolloutConfig, metadata={"help": "sampling and rewards"})
    rl: RLConfig = field(default_factory=RLConfig, metadata={"help": "advantages, loss and optimisation"})
    run: RunConfig = field(default_factory=RunConfig, metadata={"help": "length, seeds, logging, checkpoints"})

    def __post_init__(self) -> None:
        from batcoder.rollout import get_rollout

        self.rl.stages_of(get_rollout(self.rollout.kind).stages)


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
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):  # YAML 1.1 reads "1e-5" (no dot) as a string
            try:
                number = float(value)
            except ValueError:
                pass
        if number is not None:
            if not math.isfinite(number):
                raise UserError(f"config key '{key}': must be a finite number, got {value!r}")
            return number
    elif annotation is str:
        if isinstance(value, str):
            return value
    raise UserError(f"config key '{key}': expected {annotation.__name__}, got {value!r}")


def _build(cls: type, values: dict, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if name not in fields:
            raise UserError(f"config key '{key}': unknown key (known: {', '.join(sorted(fields))})")
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(value, dict):
                raise UserError(f"config key '{key}': expected a mapping of {annotation.__name__} fields")
            kwargs[name] = _build(annotation, value, f"{key}.")
            continue
        kwargs[name] = _convert(value, annotation, key)
        check = fields[name].metadata.get("check")
        if check and kwargs[name] is not None:
            passes, rule = _CHECKS[check]
            if not passes(kwargs[name]):
                raise UserError(f"config key '{key}': {rule}, got {kwargs[name]}")
    for name, spec in fields.items():  # nested sections not given still validate their defaults
        if name not in kwargs and dataclasses.is_dataclass(hints[name]):
            kwargs[name] = _build(hints[name], {}, f"{prefix}{name}.")
    return cls(**kwargs)


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


def config_from_dict(values: dict, cls: type = None) -> Any:
    return _build(cls or TrainConfig, values, "")


def read_yaml_config(path: str | Path) -> dict:
    """The mapping in a YAML config file; a one-line UserError naming the file (and line) otherwise."""
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
        raise UserError(f"{path}: the config must be a mapping of keys to values")
    return loaded or {}


def load_config(path: str | Path | None, overrides: list[str] = (), cls: type = None, *, values: dict | None = None) -> Any:
    """The config in ``path`` (YAML; None = defaults) with ``values`` (a nested mapping, e.g. from
    flags) and then dotted ``key=value`` ``overrides`` applied, as ``cls`` (default
    :class:`TrainConfig`)."""
    loaded = read_yaml_config(path) if path is not None else {}
    try:
        return config_from_dict(_merge(_merge(loaded, values or {}), parse_overrides(list(overrides))), cls)
    except UserError as error:
        raise UserError(f"{path}: {error}" if path is not None else str(error)) from None


def _flatten(config: Any, prefix: str = "") -> dict[str, tuple[Any, bool]]:
    """``{dotted key: (value, is a path)}`` of a config."""
    flat = {}
    for spec in dataclasses.fields(config):
        value = getattr(config, spec.name)
        if dataclasses.is_dataclass(value):
            flat.update(_flatten(value, f"{prefix}{spec.name}."))
        else:
            flat[f"{prefix}{spec.name}"] = (value, spec.metadata.get("path", False))
    return flat


def _same_path(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    normal = lambda p: os.path.normpath(os.path.abspath(os.path.expanduser(p)))  # noqa: E731
    if normal(a) == normal(b) or os.path.normpath(a) == os.path.normpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def config_differences(saved: Any, given: Any, ignore: tuple[str, ...] = ()) -> list[tuple[str, Any, Any]]:
    """``(key, saved value, given value)`` for every field that differs; path fields compare
    resolved (``./r``, ``r`` and ``/abs/r`` are the same path)."""
    a, b = _flatten(saved), _flatten(given)
    differences = []
    for key, (value, is_path) in a.items():
        other = b[key][0]
        if key in ignore or value == other or (is_path and _same_path(value, other)):
            continue
        differences.append((key, value, other))
    return differences


def _flag_type(annotation: Any) -> tuple[Any, dict]:
    """The argparse ``type`` / extra keywords for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = [option for option in typing.get_args(annotation) if option is not type(None)]
        return _flag_type(options[0])
    if origin is Literal:
        return None, {"choices": typing.get_args(annotation)}
    if annotation is bool:
        return None, {"action": argparse.BooleanOptionalAction}
    return annotation, {}


def add_config_flags(parser: argparse.ArgumentParser, cls: type, *, exclude: tuple[str, ...] = ()) -> None:
    """One ``--field-name`` flag per field of the flat dataclass ``cls``, its help the field's doc
    line; flags not given keep the config's value (``config_from_flags``)."""
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        if spec.name in exclude:
            continue
        flag_type, extra = _flag_type(hints[spec.name])
        if flag_type is not None:
            extra["type"] = flag_type
        default = spec.default if spec.default is not dataclasses.MISSING else None
        parser.add_argument(
            f"--{spec.name.replace('_', '-')}", dest=spec.name, default=argparse.SUPPRESS,
            help=f"{spec.metadata.get('help', '')} (default: {default})", **extra,
        )


def config_from_flags(cls: type, args: argparse.Namespace, *, path: str | None = None, overrides: list[str] = ()) -> Any:
    """``cls`` from an optional YAML ``path``, then the flags of :func:`add_config_flags` that were
    given, then ``key=value`` ``overrides``."""
    names = {spec.name for spec in dataclasses.fields(cls)}
    given = {name: value for name, value in vars(args).items() if name in names}
    return load_config(path, overrides, cls, values=given)


def config_to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def save_config(config: Any, path: Path) -> None:
    """Write the resolved config as YAML atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(config_to_dict(config), sort_keys=False), encoding="utf-8")
    tmp.replace(path)
