"""Advantages from one scalar reward per trajectory (the reward arrives at the last token, γ = 1, so
every response token of a trajectory gets the same advantage).

The trainer calls :func:`compute_advantages` once per stage: documentation trajectories (reward
S·R_doc, K per function) and reconstruction trajectories (reward S, one per valid documentation) have
different reward scales and group sizes, so each stage is normalised over its own trajectories.
Standard deviations are population ones (``unbiased=False``); a group with one member has zero
group-centred reward.
"""

from __future__ import annotations

import torch

ADVANTAGE_MODES = ("reinforce++", "reinforce++-baseline", "grpo")


def group_mean(rewards: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
    """Each trajectory's group mean reward (groups = the function a trajectory came from)."""
    _, inverse = torch.unique(group_ids, return_inverse=True)
    sums = torch.zeros(int(inverse.max()) + 1, dtype=rewards.dtype).index_add_(0, inverse, rewards)
    counts = torch.bincount(inverse).to(rewards.dtype)
    return (sums / counts)[inverse]


def group_std(rewards: torch.Tensor, group_ids: torch.Tensor) -> torch.Tensor:
    """Each trajectory's population standard deviation of its group's rewards."""
    deviation = rewards - group_mean(rewards, group_ids)
    return group_mean(deviation**2, group_ids).sqrt()


def reinforce_plus_plus(rewards: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """REINFORCE++: rewards normalised over the global batch, (r - mean) / (std + eps)."""
    return (rewards - rewards.mean()) / (rewards.std(unbiased=False) + eps)


def reinforce_plus_plus_baseline(rewards: torch.Tensor, group_ids: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """REINFORCE++-baseline: subtract each group's mean reward, then normalise over the global batch."""
    return reinforce_plus_plus(rewards - group_mean(rewards, group_ids), eps)


def grpo(rewards: torch.Tensor, group_ids: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """GRPO: normalise within each group, (r - group mean) / (group std + eps)."""
    return (rewards - group_mean(rewards, group_ids)) / (group_std(rewards, group_ids) + eps)


def compute_advantages(rewards: torch.Tensor, group_ids: torch.Tensor, mode: str, eps: float = 1e-6) -> torch.Tensor:
    """Per-trajectory advantages of one stage under ``mode`` (one of :data:`ADVANTAGE_MODES`)."""
    rewards = rewards.to(torch.float64)
    if rewards.numel() == 0:
        return rewards
    if mode == "reinforce++":
        return reinforce_plus_plus(rewards, eps)
    if mode == "reinforce++-baseline":
        return reinforce_plus_plus_baseline(rewards, group_ids, eps)
    if mode == "grpo":
        return grpo(rewards, group_ids, eps)
    raise ValueError(f"unknown advantage mode {mode!r} (known: {', '.join(ADVANTAGE_MODES)})")
