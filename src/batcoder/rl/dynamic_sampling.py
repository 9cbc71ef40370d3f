"""Dynamic sampling: a function whose trajectories all got the same reward teaches nothing (its
group-relative advantages are 0), so its group is dropped and more functions are sampled instead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def informative_groups(rewards: Iterable[float], group_ids: Iterable[int], tolerance: float = 1e-8) -> set[int]:
    """Groups whose rewards are not all equal (max - min > ``tolerance``)."""
    by_group: dict[int, list[float]] = defaultdict(list)
    for reward, group in zip(rewards, group_ids):
        by_group[group].append(reward)
    return {group for group, values in by_group.items() if max(values) - min(values) > tolerance}


def select_groups(
    kept: list[int], candidates: list[int], informative: set[int], target: int
) -> tuple[list[int], int]:
    """Add the informative ``candidates`` to ``kept`` (in order) until ``target`` groups are kept.

    Returns the new kept list and how many candidates were dropped for having no reward variance.
    """
    kept = list(kept)
    dropped = 0
    for group in candidates:
        if group not in informative:
            dropped += 1
        elif len(kept) < target:
            kept.append(group)
    return kept, dropped
