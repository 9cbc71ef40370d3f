"""The rollout-kind contract: how a reward plugs into the RL step.

A rollout kind is one module ``batcoder/rollout/<kind>.py`` exposing ``ROLLOUT``, a subclass of
:class:`Rollout` with a ``name`` (the config value ``rollout.kind``). The trainer
(:mod:`batcoder.training`) knows nothing else about it:

* **Items.** ``ROLLOUT.load_items(config, held_out=False)`` (a classmethod) reads the kind's training
  items from the config's ``data.*`` keys and returns ``(items, skipped)``: a non-empty list of
  anything the kind understands (BatCoder: comment-free functions) and how many rows it skipped.
  With ``held_out=True`` it returns the items evaluated every ``run.eval_every`` steps. Bad data is a
  :class:`~batcoder.errors.UserError` naming the key.
* **Construction.** ``ROLLOUT(backend, tokenizer, config)``: the generation engine
  (:class:`~batcoder.generation.GenerationBackend`, already over the policy being trained), its
  tokenizer and the whole :class:`~batcoder.config.TrainConfig`. The kind is used as a context
  manager; ``close()`` releases what it started (reward worker processes).
* **Rollout.** ``run(items, group_ids, seed)`` samples responses for ``items`` (item i is group
  ``group_ids[i]``), scores them and returns ``(trajectories, stats)``: scored :class:`Trajectory`
  objects and a :class:`RolloutStats`. It must be deterministic in ``seed`` for the same policy. It
  runs under ``torch.no_grad()`` with the policy in eval mode.
* **Stages.** ``stages`` lists the stage names its trajectories carry. The trainer computes advantages
  separately per stage (stages may differ in reward scale and group size) and trains the stages
  ``rl.train_stages`` selects (``all``, or a comma-separated subset of ``stages``).
* **Metrics.** ``metrics(trajectories)`` adds the kind's own per-step metrics (the trainer logs
  ``reward/<stage>/*`` and the update's figures itself); ``evaluate(items, seeds)`` returns the
  held-out ``eval/*`` metrics (``headline_metric`` and ``rate_metric`` name what the plot shows).

Everything after the rollout — advantages, the replay buffer, the update, the weight sync — is the
same for every kind; a new reward is a new file here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

import numpy as np


@dataclass
class Trajectory:
    """One sampled response with its scalar reward, ready to be trained on."""

    stage: str  # one of the rollout kind's ``stages``; advantages are normalised per stage
    group_id: int  # the item it came from (group-relative advantages compare within a group)
    prompt_ids: list[int]  # the prompt's token ids, unpadded
    response_ids: list[int]  # the sampled token ids (the only tokens with a loss)
    text: str = ""  # the decoded response
    finish_reason: str = "stop"  # "stop" or "length" (max new tokens reached)
    reward: float = 0.0


@dataclass
class RolloutStats:
    """Timings and counts of one rollout, summed over rounds (``add``)."""

    generation_s: float = 0.0  # main-process time spent generating
    reward_s: float = 0.0  # main-process time spent on rewards (waiting for scores, filtering)
    reward_overlapped_s: float = 0.0  # time reward workers spent, overlapped with generation
    generated_tokens: int = 0
    rescored_batches: int = 0  # reward batches scored again after a worker died or timed out
    counts: dict[str, int] = field(default_factory=dict)  # the kind's own counters (e.g. rejection reasons)

    def add(self, other: "RolloutStats") -> None:
        for name in ("generation_s", "reward_s", "reward_overlapped_s", "generated_tokens", "rescored_batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, count in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + count


class Rollout:
    """Base class of rollout kinds (see the module docstring for the contract)."""

    name: ClassVar[str]
    stages: ClassVar[tuple[str, ...]]
    headline_metric: ClassVar[str | None] = None  # the eval/* key plotted against steps
    rate_metric: ClassVar[tuple[str, str, str] | None] = None  # (training key, held-out key, title) plotted too

    def __init__(self, backend, tokenizer, config) -> None:
        self.backend, self.tokenizer, self.config = backend, tokenizer, config

    @classmethod
    def load_items(cls, config, *, held_out: bool = False) -> tuple[list[Any], int]:
        raise NotImplementedError

    def run(self, items: list[Any], group_ids: list[int], seed: int) -> tuple[list[Trajectory], RolloutStats]:
        raise NotImplementedError

    def metrics(self, trajectories: list[Trajectory]) -> dict[str, float]:
        return {}

    def evaluate(self, items: list[Any], seeds: Sequence[int]) -> dict[str, float]:
        return {}

    def close(self) -> None:
        pass

    def __enter__(self) -> "Rollout":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def distribution(prefix: str, values: list[float]) -> dict[str, float]:
    """mean/std/min/p50/max of ``values`` under ``prefix/``; empty lists give NaN-free zeros and n=0."""
    if not values:
        return {f"{prefix}/n": 0}
    array = np.asarray(values, dtype=np.float64)
    return {
        f"{prefix}/mean": float(array.mean()),
        f"{prefix}/std": float(array.std()),
        f"{prefix}/min": float(array.min()),
        f"{prefix}/p50": float(np.median(array)),
        f"{prefix}/max": float(array.max()),
        f"{prefix}/n": int(array.size),
    }
