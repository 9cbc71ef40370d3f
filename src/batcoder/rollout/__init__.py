"""Rollout kinds: how a batch of training items becomes scored trajectories (the reward plug-in seam).

Every module here that defines ``ROLLOUT`` (a :class:`~batcoder.rollout.base.Rollout` subclass) is
a rollout kind, selected by its ``name`` with the config key ``rollout.kind``; the contract is in
:mod:`batcoder.rollout.base`. BatCoder's two-stage back-translation is
:mod:`batcoder.rollout.backtranslation`.
"""

from __future__ import annotations

from functools import cache

from batcoder.registry import discover, unknown_choice
from batcoder.rollout.base import Rollout, RolloutStats, Trajectory


@cache
def _registry() -> dict[str, type[Rollout]]:
    return discover(__name__, "ROLLOUT", lambda kind: isinstance(kind, type) and issubclass(kind, Rollout))


def available_rollouts() -> list[str]:
    return sorted(_registry())


def get_rollout(name: str) -> type[Rollout]:
    """The rollout kind called ``name``; ValueError naming the choices when there is none."""
    kind = _registry().get(name)
    if kind is None:
        raise ValueError(unknown_choice("rollout kind", name, available_rollouts()))
    return kind


__all__ = ["Rollout", "RolloutStats", "Trajectory", "available_rollouts", "get_rollout"]
