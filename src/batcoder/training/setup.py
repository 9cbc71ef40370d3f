"""Set-up shared by every command that trains weights (``train``, ``sft``): the model on its device
in training precision, AdamW over the trainable parameters, and the warm-up + decay schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from batcoder.errors import UserError, first_line


@dataclass
class TrainableModel:
    model: Any
    tokenizer: Any
    device: Any  # torch.device
    autocast: Any  # a reusable torch.autocast context (disabled when the forward pass stays float32)
    parameters: list  # the trainable parameters
    forward_dtype: Any  # the dtype forward passes compute in (autocast's, else the weights')

    @property
    def trainable_count(self) -> int:
        return sum(p.numel() for p in self.parameters)


def load_trainable(path: str, *, device: str | None, dtype: str = "auto", lora=None, gradient_checkpointing: bool = False,
                   what: str = "config key 'model.path'") -> TrainableModel:
    """The model at ``path`` ready to train: float32 master weights (LoRA: a ``dtype`` base), forward
    passes autocast to ``dtype`` on a GPU (see :func:`batcoder.models.loading.training_precision`).
    A model that cannot be loaded is a UserError naming ``what`` (the key or flag)."""
    import torch

    from batcoder.models import load_model
    from batcoder.models.loading import resolve_device, training_precision

    resolved = resolve_device(device)
    weights_dtype, autocast_dtype = training_precision(dtype, resolved, lora=lora is not None)
    try:
        model, tokenizer = load_model(path, device=resolved, dtype=weights_dtype, lora=lora, gradient_checkpointing=gradient_checkpointing)
    except (OSError, ValueError) as error:
        raise UserError(f"{what}: cannot load {path} ({first_line(error)})") from None
    autocast = torch.autocast(resolved.type, dtype=autocast_dtype, enabled=autocast_dtype is not None)
    parameters = [p for p in model.parameters() if p.requires_grad]
    return TrainableModel(model, tokenizer, resolved, autocast, parameters, autocast_dtype or weights_dtype)


def lr_multiplier(warmup_steps: int, total_steps: int, kind: str = "constant") -> Callable[[int], float]:
    """Learning-rate multiplier per optimizer-schedule step: linear warm-up, then constant / cosine /
    linear decay to 0 at ``total_steps``."""

    def multiplier(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        if kind == "linear":
            return 1.0 - progress
        return 1.0

    return multiplier


def make_optimizer(parameters: list, *, lr: float, weight_decay: float, warmup_steps: int, total_steps: int, schedule: str = "constant"):
    """``(AdamW, LambdaLR)`` over ``parameters``."""
    import torch

    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_multiplier(warmup_steps, total_steps, schedule))
    return optimizer, scheduler
