"""Per-token log-probs of the response tokens under a model, as the sampler drew them.

Two things make this more than ``log_softmax(model(ids).logits)``:

* **Temperature.** Responses were sampled from ``softmax(logits / T)``; the update's ratio and KL
  must use the same distribution, so logits are divided by ``rollout.temperature`` (as TRL and
  OpenRLHF do). At T = 1 nothing changes.
* **Memory.** Full-vocabulary logits at every position, prompt included, are the largest tensor of
  the pass (batch x seq x vocab floats). The model is asked only for the positions from the batch's
  first response token on (``logits_to_keep``), and the log-softmax runs one sequence at a time in
  float32, so the float32 copy is one row's, not the batch's.
"""

from __future__ import annotations

import torch


def response_log_probs(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, action_mask: torch.Tensor,
                       temperature: float = 1.0) -> torch.Tensor:
    """log p(token t+1 | tokens ≤ t) for every column t of ``action_mask`` (batch, seq - 1); 0 where
    the mask is 0 (prompt and padding)."""
    batch, seq = input_ids.shape
    active = action_mask.any(dim=0).nonzero()
    if active.numel() == 0:
        return torch.zeros(batch, seq - 1, device=input_ids.device)
    first = int(active[0])  # first column that predicts a response token, in any row
    # logits_to_keep=k returns the logits of the last k positions: columns first .. seq - 1.
    logits = model(input_ids=input_ids, attention_mask=attention_mask, logits_to_keep=seq - first).logits[:, :-1]
    labels = input_ids[:, first + 1 :]
    rows = []
    for row in range(batch):
        scaled = logits[row].float()
        if temperature != 1.0:
            scaled = scaled / temperature
        picked = scaled.gather(-1, labels[row].unsqueeze(-1)).squeeze(-1)
        rows.append(picked - torch.logsumexp(scaled, dim=-1))
    out = torch.cat([torch.zeros(batch, first, device=input_ids.device), torch.stack(rows)], dim=1)
    return torch.where(action_mask.bool(), out, 0.0)
