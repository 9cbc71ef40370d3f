"""Training processes: one, or several started by ``accelerate launch`` / ``torchrun`` / SLURM.

:class:`Processes` is this process's place among the ranks and the few collectives the trainers
need, all through accelerate (``Accelerator``, ``gather_object``, ``reduce``, ``wait_for_everyone``).
One process (no launcher) needs no process group: the same calls then act on this process alone.

How a multi-process RL step divides its work (:mod:`batcoder.training.step`):

* **Rollout by whole groups.** The step's items are drawn from one data cursor that every rank
  advances identically; rank r rolls out items r, r + N, r + 2N, ... so a function's K samples are
  never split across ranks. Group ids are global.
* **Global batch.** The scored trajectories (token ids and rewards, small) are gathered to every
  rank; advantages are normalised over all of them, dynamic sampling counts groups over all ranks.
* **Update by micro-batches.** Every rank holds the same buffer in the same shuffled order; within
  an optimizer step (``rl.grad_accumulation`` micro-batches), rank r computes micro-batches r,
  r + N, ...; DDP averages the gradients, so the update equals one process's over the same buffer.
  Every rank runs the same number of backward passes (``ceil(grad_accumulation / N)``; a rank short
  of one runs a zero-weighted pass), so no rank waits on a collective another never enters.
"""

from __future__ import annotations

import math
import os
from contextlib import nullcontext
from datetime import timedelta


def launched_world_size() -> int:
    """Processes the launcher started (``WORLD_SIZE``, set by accelerate launch and torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def launched_rank() -> int:
    """This process's rank among the launcher's (``RANK``; 0 without a launcher)."""
    return int(os.environ.get("RANK", "0"))


class Processes:
    """This process among ``world_size`` training processes; ``Processes()`` is a single process."""

    def __init__(self, accelerator=None, micro_batch_size: int = 1):
        self.accelerator = accelerator
        self.micro_batch_size = micro_batch_size
        self.rank = accelerator.process_index if accelerator else 0
        self.world_size = accelerator.num_processes if accelerator else 1
        self.is_main = self.rank == 0

    @classmethod
    def start(cls, *, cpu: bool, timeout_s: float, grad_accumulation: int = 1, micro_batch_size: int = 1) -> "Processes":
        """Join the launcher's process group (collectives give up after ``timeout_s``: a failed or
        stuck rank ends the run with an error instead of a hang), or stay a single process.
        ``grad_accumulation`` micro-batches of ``micro_batch_size`` sequences make an optimizer step
        (DeepSpeed's engine wants both)."""
        world_size = launched_world_size()
        if world_size == 1:
            return cls()
        from accelerate import Accelerator
        from accelerate.utils import InitProcessGroupKwargs

        extra = {}
        if os.environ.get("ACCELERATE_USE_DEEPSPEED", "").lower() == "true":
            # The engine steps the optimizer after this many backward passes: one optimizer step.
            extra["gradient_accumulation_steps"] = math.ceil(grad_accumulation / world_size)
        accelerator = Accelerator(cpu=cpu, kwargs_handlers=[InitProcessGroupKwargs(timeout=timedelta(seconds=timeout_s))], **extra)
        return cls(accelerator, micro_batch_size)

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def uses_deepspeed(self) -> bool:
        return self.distributed and self.accelerator.distributed_type.name == "DEEPSPEED"

    @property
    def shards_optimizer(self) -> bool:
        """Whether each rank holds only its part of the optimizer state (FSDP, DeepSpeed ZeRO >= 1):
        then every rank checkpoints its own part."""
        if not self.distributed:
            return False
        kind = self.accelerator.distributed_type.name
        return kind == "FSDP" or (kind == "DEEPSPEED" and self.accelerator.state.deepspeed_plugin.zero_stage >= 1)

    def device(self, default):
        """The device this rank trains on (the launcher's per-rank GPU, else ``default``)."""
        return self.accelerator.device if self.distributed else default

    def prepare(self, model, optimizer):
        """``(model to train, optimizer)`` wrapped for DDP / FSDP / DeepSpeed by the launcher's
        accelerate config; unchanged for one process."""
        if not self.distributed:
            return model, optimizer
        if self.uses_deepspeed:  # no DataLoader tells accelerate the micro-batch size
            plugin = self.accelerator.state.deepspeed_plugin
            if plugin.is_auto("train_micro_batch_size_per_gpu"):
                plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = self.micro_batch_size
        return self.accelerator.prepare(model, optimizer)

    def unwrap(self, model):
        return self.accelerator.unwrap_model(model) if self.distributed else model

    def gather_object(self, values: list) -> list:
        """Every rank's ``values`` concatenated in rank order, on every rank."""
        if not self.distributed:
            return list(values)
        from accelerate.utils import gather_object

        return gather_object(list(values))

    def all_ranks(self, value) -> list:
        """``[value of rank 0, value of rank 1, ...]`` on every rank."""
        return self.gather_object([value])

    def sum(self, value: float) -> float:
        if not self.distributed:
            return value
        import torch

        return float(self.accelerator.reduce(torch.tensor([float(value)], device=self.accelerator.device), "sum"))

    def wait(self) -> None:
        if self.distributed:
            self.accelerator.wait_for_everyone()

    def my_share(self, items: list) -> list:
        """Items r, r + N, r + 2N, ... of ``items`` for rank r of N."""
        return items[self.rank :: self.world_size]

    def passes_per_window(self, window: int, grad_accumulation: int) -> int:
        """Backward passes every rank runs for an optimizer step of ``window`` micro-batches (at most
        ``grad_accumulation``; DeepSpeed's engine counts a fixed number per optimizer step)."""
        return math.ceil((grad_accumulation if self.uses_deepspeed else window) / self.world_size)

    def full_weights(self, policy):
        """A context in which the unwrapped model holds its full weights, for generation and saving:
        FSDP and ZeRO-3 shard them across ranks (not run by CI: no GPUs there); DDP and ZeRO-2 keep
        a full copy on every rank."""
        if not self.distributed:
            return nullcontext()
        kind = self.accelerator.distributed_type.name
        if kind == "FSDP" and hasattr(policy, "summon_full_params"):
            return policy.summon_full_params(policy, writeback=False)
        if kind == "DEEPSPEED" and self.accelerator.state.deepspeed_plugin.zero_stage == 3:
            import deepspeed

            return deepspeed.zero.GatheredParameters(list(policy.parameters()))
        return nullcontext()

    def no_sync(self, model, last: bool):
        """Gradients of all but an optimizer step's last backward pass stay local (DDP/FSDP)."""
        if not self.distributed or last or self.uses_deepspeed:
            return nullcontext()
        return self.accelerator.no_sync(model)

    def backward(self, loss) -> None:
        if self.uses_deepspeed:  # the engine divides by its accumulation steps; the loss is already scaled
            self.accelerator.backward(loss * self.accelerator.gradient_accumulation_steps)
        elif self.distributed:
            self.accelerator.backward(loss)
        else:
            loss.backward()

    def clip_grad_norm_(self, parameters, max_norm: float):
        """The global gradient norm (before clipping); FSDP / ZeRO shards included."""
        if not self.distributed:
            import torch

            return torch.nn.utils.clip_grad_norm_(parameters, max_norm)
        return self.accelerator.clip_grad_norm_(parameters, max_norm)
