"""Replay buffer: one step's trajectories with their advantages, served as padded micro-batches."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Experience:
    """One trajectory ready for the update: token ids, its advantage and cached log-probs."""

    prompt_ids: list[int]
    response_ids: list[int]
    advantage: float
    stage: str  # "code2doc" or "doc2code"
    old_log_probs: torch.Tensor | None = None  # (len(response_ids),) under the rollout policy
    ref_log_probs: torch.Tensor | None = None  # (len(response_ids),) under the frozen reference


@dataclass
class MicroBatch:
    """Right-padded prompt+response sequences. Per-token tensors have ``seq - 1`` columns: column t
    holds the prediction of token t+1, so ``action_mask`` is 1 exactly where t+1 is a response token."""

    indices: list[int]  # positions of these experiences in the buffer
    input_ids: torch.Tensor  # (batch, seq)
    attention_mask: torch.Tensor  # (batch, seq)
    action_mask: torch.Tensor  # (batch, seq - 1)
    advantages: torch.Tensor  # (batch,)
    old_log_probs: torch.Tensor | None  # (batch, seq - 1), 0 outside the action mask
    ref_log_probs: torch.Tensor | None  # (batch, seq - 1), 0 outside the action mask

    @property
    def num_action_tokens(self) -> int:
        return int(self.action_mask.sum())


def _scatter_response(values: list[torch.Tensor], prompt_lengths: list[int], shape: tuple[int, int]) -> torch.Tensor:
    out = torch.zeros(shape, dtype=torch.float32)
    for row, (response_values, prompt_length) in enumerate(zip(values, prompt_lengths)):
        out[row, prompt_length - 1 : prompt_length - 1 + len(response_values)] = response_values
    return out


def collate(experiences: list[Experience], indices: list[int], pad_token_id: int) -> MicroBatch:
    lengths = [len(e.prompt_ids) + len(e.response_ids) for e in experiences]
    seq = max(lengths)
    input_ids = torch.full((len(experiences), seq), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(experiences), seq), dtype=torch.long)
    action_mask = torch.zeros((len(experiences), seq - 1), dtype=torch.long)
    for row, experience in enumerate(experiences):
        prompt_length, response_length = len(experience.prompt_ids), len(experience.response_ids)
        input_ids[row, : lengths[row]] = torch.tensor(experience.prompt_ids + experience.response_ids)
        attention_mask[row, : lengths[row]] = 1
        action_mask[row, prompt_length - 1 : prompt_length - 1 + response_length] = 1
    prompt_lengths = [len(e.prompt_ids) for e in experiences]

    def gather(name: str) -> torch.Tensor | None:
        values = [getattr(e, name) for e in experiences]
        if any(v is None for v in values):
            return None
        return _scatter_response(values, prompt_lengths, (len(experiences), seq - 1))

    return MicroBatch(
        indices=indices,
        input_ids=input_ids,
        attention_mask=attention_mask,
        action_mask=action_mask,
        advantages=torch.tensor([e.advantage for e in experiences], dtype=torch.float32),
        old_log_probs=gather("old_log_probs"),
        ref_log_probs=gather("ref_log_probs"),
    )


@dataclass
class ReplayBuffer:
    pad_token_id: int
    experiences: list[Experience] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.experiences)

    def extend(self, experiences: list[Experience]) -> None:
        self.experiences.extend(e for e in experiences if e.response_ids)

    def micro_batches(self, size: int, generator: torch.Generator | None = None) -> list[MicroBatch]:
        """All experiences in micro-batches of ``size``; shuffled when a ``generator`` is given."""
        order = list(range(len(self.experiences)))
        if generator is not None:
            order = torch.randperm(len(order), generator=generator).tolist()
        return [
            collate([self.experiences[i] for i in order[start : start + size]], order[start : start + size], self.pad_token_id)
            for start in range(0, len(order), size)
        ]

    def set_log_probs(self, batch: MicroBatch, log_probs: torch.Tensor, name: str) -> None:
        """Store per-token log-probs (batch, seq - 1) of ``batch`` on its experiences as ``name``."""
        for row, index in enumerate(batch.indices):
            experience = self.experiences[index]
            start = len(experience.prompt_ids) - 1
            setattr(experience, name, log_probs[row, start : start + len(experience.response_ids)].detach().float().cpu())
