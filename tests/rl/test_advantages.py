import math

import pytest
import torch

from batcoder.rl.advantages import compute_advantages, group_mean, group_std

REWARDS = torch.tensor([1.0, 0.0, 1.0, 1.0])
GROUPS = torch.tensor([0, 0, 1, 1])


def test_group_statistics():
    rewards = torch.tensor([0.2, 0.4, 0.9, 0.6], dtype=torch.float64)
    groups = torch.tensor([3, 3, 3, 7])
    assert group_mean(rewards, groups).tolist() == pytest.approx([0.5, 0.5, 0.5, 0.6])
    assert group_std(rewards, groups).tolist() == pytest.approx([math.sqrt(0.26 / 3)] * 3 + [0.0])


def test_reinforce_plus_plus_normalises_over_the_global_batch():
    # mean 0.75, population std sqrt(0.1875) = 0.4330127
    advantages = compute_advantages(REWARDS, GROUPS, "reinforce++", eps=0.0)
    assert advantages.tolist() == pytest.approx([0.5773503, -1.7320508, 0.5773503, 0.5773503])


def test_reinforce_plus_plus_baseline_subtracts_group_means_first():
    # group-centred: [0.5, -0.5, 0, 0]; global std sqrt(0.125) = 0.3535534
    advantages = compute_advantages(REWARDS, GROUPS, "reinforce++-baseline", eps=0.0)
    assert advantages.tolist() == pytest.approx([1.4142136, -1.4142136, 0.0, 0.0])


def test_grpo_normalises_within_each_group():
    advantages = compute_advantages(REWARDS, GROUPS, "grpo")
    assert advantages.tolist() == pytest.approx([1.0, -1.0, 0.0, 0.0], abs=1e-5)


def test_grpo_uneven_groups_and_singletons():
    rewards = torch.tensor([0.2, 0.4, 0.9, 0.6])
    groups = torch.tensor([3, 3, 3, 7])
    std = math.sqrt(0.26 / 3)  # 0.2943920
    advantages = compute_advantages(rewards, groups, "grpo", eps=0.0 + 1e-12)
    assert advantages[:3].tolist() == pytest.approx([-0.3 / std, -0.1 / std, 0.4 / std], rel=1e-6)
    assert advantages[3].item() == 0.0


def test_constant_rewards_give_zero_advantages_in_every_mode():
    rewards = torch.full((5,), 0.7)
    groups = torch.tensor([0, 0, 1, 1, 1])
    for mode in ("reinforce++", "reinforce++-baseline", "grpo"):
        assert compute_advantages(rewards, groups, mode).abs().max().item() < 1e-6


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown advantage mode"):
        compute_advantages(REWARDS, GROUPS, "ppo")


def test_empty_stage():
    assert compute_advantages(torch.tensor([]), torch.tensor([], dtype=torch.long), "grpo").numel() == 0
