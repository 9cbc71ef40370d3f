import math

import pytest
import torch

from batcoder.rl.losses import kl_k3, masked_mean, policy_loss


def _loss_and_grad(ratio: float, advantage: float, clip_eps: float = 0.2):
    log_probs = torch.tensor([[math.log(ratio)]], requires_grad=True)
    loss, stats = policy_loss(log_probs, torch.zeros(1, 1), torch.tensor([advantage]), torch.ones(1, 1), clip_eps)
    loss.backward()
    return loss.item(), log_probs.grad.item(), stats


@pytest.mark.parametrize(
    "ratio, advantage, expected_loss, expected_grad, clipped",
    [
        (1.5, 1.0, -1.2, 0.0, True),  # positive advantage, ratio above 1+eps: clipped, no gradient
        (0.5, 1.0, -0.5, -0.5, False),  # positive advantage, ratio below 1-eps: not clipped
        (0.5, -1.0, 0.8, 0.0, True),  # negative advantage, ratio below 1-eps: clipped, no gradient
        (1.5, -1.0, 1.5, 1.5, False),  # negative advantage, ratio above 1+eps: not clipped
        (1.0, 2.0, -2.0, -2.0, False),  # on-policy: plain policy gradient -A * dlogp
    ],
)
def test_ratio_clipping_both_signs(ratio, advantage, expected_loss, expected_grad, clipped):
    loss, grad, stats = _loss_and_grad(ratio, advantage)
    assert loss == pytest.approx(expected_loss, abs=1e-6)
    assert grad == pytest.approx(expected_grad, abs=1e-6)
    assert stats["clip_fraction"].item() == (1.0 if clipped else 0.0)


def test_masked_mean_ignores_masked_positions():
    values = torch.tensor([[1.0, 3.0, 1000.0], [5.0, -1e9, 7.0]])
    mask = torch.tensor([[1, 1, 0], [1, 0, 1]])
    assert masked_mean(values, mask).item() == pytest.approx(4.0)
    assert masked_mean(values, torch.zeros_like(mask)).item() == 0.0


def test_loss_is_a_token_level_mean_over_response_tokens():
    # trajectory 0 has 3 response tokens with advantage 1, trajectory 1 has 1 token with advantage -1:
    # on-policy per-token losses are -1, -1, -1, +1 → mean -0.5 (a sequence-level mean would give 0).
    log_probs = torch.zeros(2, 4)
    mask = torch.tensor([[0, 1, 1, 1], [0, 1, 0, 0]])
    loss, _ = policy_loss(log_probs, log_probs, torch.tensor([1.0, -1.0]), mask, 0.2)
    assert loss.item() == pytest.approx(-0.5)


def test_kl_k3_hand_computed():
    log_probs, ref = torch.tensor([math.log(0.5)]), torch.tensor([math.log(0.25)])
    # exp(log 0.5) - log 0.5 - 1 = 0.5 + 0.693147 - 1
    assert kl_k3(log_probs, ref).item() == pytest.approx(0.1931472)
    assert kl_k3(ref, ref).item() == 0.0


def test_kl_term_is_added_with_beta():
    log_probs = torch.full((1, 2), math.log(0.5))
    ref = torch.full((1, 2), math.log(0.25))
    mask = torch.ones(1, 2)
    without, stats = policy_loss(log_probs, log_probs, torch.tensor([0.0]), mask, 0.2, ref_log_probs=ref, kl_beta=0.0)
    with_kl, _ = policy_loss(log_probs, log_probs, torch.tensor([0.0]), mask, 0.2, ref_log_probs=ref, kl_beta=0.1)
    assert without.item() == 0.0
    assert stats["kl"].item() == pytest.approx(0.1931472)
    assert with_kl.item() == pytest.approx(0.01931472)


def test_masked_positions_never_turn_the_loss_or_kl_nan():
    # A masked (prompt/padding) position holds 0 in the cached tensors while the policy's log-prob
    # there is very low: exp(0 - (-100)) overflows, and inf x 0 would be NaN in the masked mean.
    log_probs = torch.tensor([[-100.0, -1.0, -2.0]], requires_grad=True)
    cached = torch.tensor([[0.0, -1.1, -1.9]])
    mask = torch.tensor([[0, 1, 1]])
    loss, stats = policy_loss(log_probs, cached, torch.tensor([1.0]), mask, 0.2, ref_log_probs=cached, kl_beta=0.05)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(log_probs.grad).all()
    assert torch.isfinite(stats["kl"]) and torch.isfinite(stats["kl_to_rollout_policy"])
    expected_kl = masked_mean(kl_k3(log_probs[:, 1:], cached[:, 1:]), mask[:, 1:])
    assert stats["kl"].item() == pytest.approx(expected_kl.item())
    assert log_probs.grad[0, 0] == 0
