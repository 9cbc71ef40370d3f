"""Token-level policy-gradient loss with PPO-style ratio clipping, and the k3 KL estimator."""

from __future__ import annotations

import torch


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over positions where ``mask`` is 1 (0 when the mask is empty)."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def kl_k3(log_probs: torch.Tensor, ref_log_probs: torch.Tensor) -> torch.Tensor:
    """Per-token k3 estimate of KL(π || π_ref): exp(ref - logp) - (ref - logp) - 1 (≥ 0, unbiased)."""
    log_ratio = ref_log_probs - log_probs
    return torch.exp(log_ratio) - log_ratio - 1.0


def policy_loss(
    log_probs: torch.Tensor,
    old_log_probs: torch.Tensor,
    advantages: torch.Tensor,
    action_mask: torch.Tensor,
    clip_eps: float,
    ref_log_probs: torch.Tensor | None = None,
    kl_beta: float = 0.0,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Clipped surrogate loss averaged over all response tokens of the micro-batch.

    ``log_probs``/``old_log_probs``/``ref_log_probs``/``action_mask``: (batch, seq) over response
    positions; ``advantages``: (batch,) one per trajectory, broadcast to its tokens.
    Loss per token: -min(ratio·A, clip(ratio, 1-ε, 1+ε)·A) + β·k3(π, π_ref).
    """
    advantages = advantages.unsqueeze(-1).to(log_probs.dtype)
    # Outside the mask the cached log-probs are 0 while log_probs may be anything (below -88.7 exp
    # overflows, and inf x 0 is NaN in the masked mean): compare only where the mask is 1.
    active = action_mask.bool()
    old_log_probs = torch.where(active, old_log_probs, log_probs.detach())
    if ref_log_probs is not None:
        ref_log_probs = torch.where(active, ref_log_probs, log_probs.detach())
    ratio = torch.exp(log_probs - old_log_probs)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps) * advantages
    per_token = -torch.minimum(unclipped, clipped)
    stats = {
        "clip_fraction": masked_mean((clipped < unclipped).to(log_probs.dtype), action_mask).detach(),
        "kl_to_rollout_policy": masked_mean(kl_k3(log_probs, old_log_probs), action_mask).detach(),
    }
    if ref_log_probs is not None:
        kl = kl_k3(log_probs, ref_log_probs)
        stats["kl"] = masked_mean(kl, action_mask).detach()
        if kl_beta:
            per_token = per_token + kl_beta * kl
    loss = masked_mean(per_token, action_mask)
    stats["policy_loss"] = loss.detach()
    return loss, stats
