"""Typed configuration of a ``batcoder experiment`` run (one YAML file).

Sections: ``world`` (the code world's generator settings, passed to :mod:`batcoder.world`),
``pretrain`` (:class:`batcoder.models.pretrain.PretrainConfig`; its corpus is the world's
pretraining split), ``train`` (a ``batcoder train`` config shared by every RL arm; model, corpus and
run directory are filled in), ``sft`` and ``eval`` below, and the ``arms`` and ``seeds`` to run.
``extends: other.yaml`` starts from another experiment's config (sections merged key by key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from batcoder.config import _build, _merge, config_from_dict
from batcoder.errors import UserError
from batcoder.models.pretrain import PretrainConfig


@dataclass
class EvalSettings:
    """How the benchmark and the held-out back-translation are measured (fixed for every arm)."""

    languages: list[str] = field(default_factory=lambda: ["ruby", "python"])  # benchmark world:<language> for each
    problems: int | None = None  # evaluate the first N problems of each benchmark; None = all
    samples: int = 10  # n samples per problem (pass@1 and pass@10 are estimated from them)
    ks: list[int] = field(default_factory=lambda: [1, 10])  # pass@k reported
    temperature: float = 0.8  # sampling temperature of the benchmark samples
    top_p: float = 0.95  # nucleus threshold of the benchmark samples
    max_new_tokens: int = 160  # tokens per benchmark sample
    batch_size: int = 64  # sequences per generate call
    every: int = 10  # RL steps between evaluations (also before training and at the end)
    workers: int = 2  # sandbox processes running the tests
    timeout_s: float = 5.0  # per-program time limit
    seed: int = 1_000_003  # sampling seed of the benchmark samples (the arm's seed is added)


@dataclass
class SFTSettings:
    """The SFT-on-synthetic-pairs arm: the base documents the RL corpus itself, then trains on it."""

    lr: float = 1e-4  # peak learning rate
    batch_size: int = 16  # examples per optimizer step
    steps: int | None = None  # optimizer steps; None = as many sequences as the RL arms train on
    max_length: int = 512  # longer examples are skipped
    synthesize_temperature: float = 0.0  # 0 = greedy documentation


@dataclass
class ExperimentConfig:
    name: str = "experiment"  # shown in results.md
    output_dir: str = "runs/experiments/experiment"  # everything the experiment writes
    arms: list[str] = field(default_factory=lambda: ["base", "sft", "batcoder", "stage1-frozen"])  # see batcoder.experiment.arms
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])  # one run per arm and seed
    threads: int = 2  # torch CPU threads of each arm x seed run (the shared pretraining uses every core)
    models_dir: str = "runs/models"  # cache of pretrained base models (shared by experiments; keyed by config hash)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    sft: SFTSettings = field(default_factory=SFTSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)
    train: dict = field(default_factory=dict)  # `batcoder train` config values shared by the RL arms
    world: dict = field(default_factory=dict)  # settings of the code world (see `batcoder world build --help`)


def _read_values(path: Path, seen: tuple = ()) -> dict:
    """The YAML mapping in ``path``; ``extends: other.yaml`` (relative to ``path``) is read first and
    overridden key by key."""
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise UserError(f"{path}: cannot read experiment config ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise UserError(f"{path}: invalid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(values, dict):
        raise UserError(f"{path}: the experiment config must be a mapping")
    parent = values.pop("extends", None)
    if parent is None:
        return values
    parent_path = (path.parent / str(parent)).resolve()
    if parent_path in seen:
        raise UserError(f"{path}: config key 'extends': {parent} extends itself")
    return _merge(_read_values(parent_path, (*seen, parent_path)), values)


def load_experiment_config(path: str | Path) -> ExperimentConfig:
    """The experiment in ``path``; a one-line UserError naming the file and key otherwise."""
    from batcoder.experiment.arms import ARMS

    path = Path(path)
    values = _read_values(path)
    raw = {key: values.pop(key) for key in ("train", "world") if key in values}
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise UserError(f"{path}: config key '{key}': expected a mapping")
    try:
        config = _build(ExperimentConfig, values, "")
        config.train, config.world = raw.get("train", {}), raw.get("world", {})
        config_from_dict(config.train)  # fail now, not after pretraining, on a bad train section
    except (UserError, ValueError) as error:
        raise UserError(f"{path}: {error}") from None
    unknown = [arm for arm in config.arms if arm not in ARMS]
    if unknown:
        raise UserError(f"{path}: config key 'arms': unknown arm {unknown[0]!r} (known: {', '.join(ARMS)})")
    if not config.seeds or len(set(config.seeds)) != len(config.seeds):
        raise UserError(f"{path}: config key 'seeds': expected distinct seeds, got {config.seeds}")
    if config.eval.every < 1 or config.eval.samples < max(config.eval.ks):
        raise UserError(f"{path}: config key 'eval': every must be >= 1 and samples >= max(ks)")
    return config
