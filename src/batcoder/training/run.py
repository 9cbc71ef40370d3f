"""A training run: set-up, resume, the step loop, checkpoints and the final save.

:class:`TrainingRun` holds everything a step needs (model, optimizer, schedule, data cursor, engine);
:func:`train` opens one, runs :func:`batcoder.training.step.rl_step` until ``run.steps`` or a
SIGINT/SIGTERM (then the step finishes and a checkpoint is saved), evaluates the held-out items
every ``run.eval_every`` steps and saves the final model.
"""

from __future__ import annotations

import errno
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from batcoder.errors import UserError
from batcoder.training.signals import StopRequest
from batcoder.training.step import STEP_SEED_STRIDE, rl_step

HELD_OUT_STEP_SLOT = STEP_SEED_STRIDE - 1  # held-out evaluation samples with the seeds of a step no run reaches


@dataclass
class TrainResult:
    run_dir: Path
    steps_done: int
    completed: bool  # reached run.steps
    interrupted: bool  # stopped by SIGINT/SIGTERM after saving a checkpoint
    final_model: Path | None
    stopped_by: str | None = None  # "SIGINT" / "SIGTERM" when interrupted


class DataCursor:
    """Position in a seeded, per-epoch shuffled order of the training items (resumable)."""

    def __init__(self, size: int, seed: int, epoch: int = 0, position: int = 0):
        self.size, self.seed, self.epoch, self.position = size, seed, epoch, position
        self._order = self._shuffle()

    def _shuffle(self) -> list[int]:
        import numpy as np

        return np.random.default_rng([self.seed, self.epoch]).permutation(self.size).tolist()

    def take(self, count: int) -> list[int]:
        indices = []
        while len(indices) < count:
            if self.position == self.size:
                self.epoch, self.position = self.epoch + 1, 0
                self._order = self._shuffle()
            indices.append(self._order[self.position])
            self.position += 1
        return indices

    def state(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}


@contextmanager
def disk_errors(path: Path, what: str):
    """A full disk (or quota) while writing ``what`` is a one-line error naming ``path``."""
    try:
        yield
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UserError(f"{path}: no space left on device while writing {what}; free some space and continue with --resume") from None
        raise


def check_resumable(config, run_dir: Path) -> None:
    """A resumed run must have the saved config; only ``run.steps`` may change (to extend the run),
    ``run.output_dir`` may differ (the run directory was moved), and paths are compared resolved."""
    from batcoder.config import config_differences, load_config

    config_path = run_dir / "config.yaml"
    if not config_path.is_file():
        raise UserError(f"--resume: {run_dir} holds no run to resume (no config.yaml)")
    differences = config_differences(load_config(config_path), config, ignore=("run.steps", "run.output_dir"))
    if differences:
        shown = "; ".join(f"{key}: {saved!r} in the run, {given!r} now" for key, saved, given in differences[:3])
        more = f" (and {len(differences) - 3} more)" if len(differences) > 3 else ""
        raise UserError(f"--resume: the config differs from {config_path}: {shown}{more}; resume with the same config")


def load_trainable_state(model, saved: dict, checkpoint: str) -> None:
    """Load a checkpoint's trainable parameters, refusing one that does not match the model (a
    different model, LoRA rank or set of trained parameters) instead of training from where it
    did not load."""
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    missing, unexpected = sorted(trainable - set(saved)), sorted(set(saved) - trainable)
    if missing or unexpected:
        names = ", ".join((missing + unexpected)[:3])
        raise UserError(
            f"--resume: checkpoint {checkpoint} does not match the model: {len(missing)} trainable parameter(s) missing, "
            f"{len(unexpected)} unexpected (e.g. {names})"
        )
    try:
        model.load_state_dict(saved, strict=False)
    except RuntimeError as error:  # shapes differ
        first = next((line.strip() for line in str(error).splitlines()[1:] if line.strip()), str(error))
        raise UserError(f"--resume: checkpoint {checkpoint} does not match the model: {first}") from None


class TrainingRun:
    """Everything a step needs, set up from a config (``open``), resumable from its checkpoints."""

    def __init__(self, config, resume: bool = False):
        import numpy as np
        import torch

        from batcoder.config import save_config
        from batcoder.generation import get_backend
        from batcoder.models import LoraSettings, load_model
        from batcoder.rollout import get_rollout
        from batcoder.training.setup import load_trainable, make_optimizer

        self.config = config
        self.run_dir = Path(config.run.output_dir)
        self.checkpoint_dir = self.run_dir / "checkpoints"
        if resume:
            check_resumable(config, self.run_dir)
        elif (self.checkpoint_dir.is_dir() and any(self.checkpoint_dir.iterdir())) or (self.run_dir / "metrics.jsonl").exists():
            raise UserError(f"{self.run_dir} already holds a run; pass --resume to continue it or choose another --output-dir")
        with disk_errors(self.run_dir, "the run's config"):
            self.run_dir.mkdir(parents=True, exist_ok=True)
            save_config(config, self.run_dir / "config.yaml")

        if config.run.threads:
            torch.set_num_threads(config.run.threads)
        random.seed(config.run.seed)
        np.random.seed(config.run.seed)
        torch.manual_seed(config.run.seed)

        self.rollout_kind = get_rollout(config.rollout.kind)
        self.trained_stages = config.rl.stages_of(self.rollout_kind.stages)
        self.items, self.skipped_items = self.rollout_kind.load_items(config)
        self.held_out = self.rollout_kind.load_items(config, held_out=True)[0] if config.run.eval_every else []

        lora = None
        if config.model.lora_rank > 0:
            lora = LoraSettings(r=config.model.lora_rank, alpha=config.model.lora_alpha, dropout=config.model.lora_dropout)
        trainable = load_trainable(
            config.model.path, device=config.model.device, dtype=config.model.dtype, lora=lora,
            gradient_checkpointing=config.model.gradient_checkpointing,
        )
        self.model, self.tokenizer, self.device = trainable.model, trainable.tokenizer, trainable.device
        self.autocast, self.parameters = trainable.autocast, trainable.parameters
        self.reference = None
        if config.rl.kl_beta > 0:  # β = 0 (the default) never loads a reference model
            self.reference, _ = load_model(config.model.path, device=self.device, dtype=trainable.forward_dtype)
            self.reference.requires_grad_(False)
        self.optimizer, self.scheduler = make_optimizer(
            self.parameters, lr=config.rl.lr, weight_decay=config.rl.weight_decay,
            warmup_steps=config.rl.warmup_steps, total_steps=config.run.steps, schedule=config.rl.scheduler,
        )
        self.cursor = DataCursor(len(self.items), config.run.seed)
        self.start_step = self._resume() if resume else 0
        self.backend = get_backend(config.rollout.backend, model=self.model, tokenizer=self.tokenizer,
                                   batch_size=config.rollout.generation_batch_size)
        self.pad_token_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    def _resume(self) -> int:
        from batcoder.rl.checkpoints import list_checkpoints, load_latest_checkpoint, set_rng_state

        state = load_latest_checkpoint(self.checkpoint_dir)
        if state is None:
            return 0
        load_trainable_state(self.model, state["model"], str(list_checkpoints(self.checkpoint_dir)[-1]))
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.cursor = DataCursor(len(self.items), self.config.run.seed, **state["cursor"])
        set_rng_state(state["rng"])
        return state["step"]

    def checkpoint(self, step: int) -> Path:
        from batcoder.rl.checkpoints import rng_state, save_checkpoint

        trainable = {name for name, p in self.model.named_parameters() if p.requires_grad}
        state = {
            "step": step,
            "model": {k: v for k, v in self.model.state_dict().items() if k in trainable},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "cursor": self.cursor.state(),
            "rng": rng_state(),
        }
        with disk_errors(self.checkpoint_dir, f"the step-{step} checkpoint"):
            return save_checkpoint(self.checkpoint_dir, step, state, self.config.run.keep_last)

    def evaluate(self, rollout) -> dict:
        """The rollout kind's held-out metrics, on the same fixed seeds at every evaluation."""
        import torch

        start = time.perf_counter()
        seeds = (self.config.run.seed * STEP_SEED_STRIDE**2 + HELD_OUT_STEP_SLOT * STEP_SEED_STRIDE,)
        self.model.eval()
        with torch.no_grad(), self.autocast:
            metrics = rollout.evaluate(self.held_out, seeds)
        return {**metrics, "time/eval": time.perf_counter() - start}

    def save_final(self) -> tuple[Path, Path | None]:
        from batcoder.models import save_model
        from batcoder.rl.metrics import plot_reward_curves

        with disk_errors(self.run_dir / "final-model", "the final model"):
            final_model = save_model(self.model, self.tokenizer, self.run_dir / "final-model", merge_lora=True)
            plot = plot_reward_curves(self.run_dir / "metrics.jsonl", self.run_dir / "reward_curves.png",
                                      headline=self.rollout_kind.headline_metric, rate=self.rollout_kind.rate_metric)
        return final_model, plot


def train(config, resume: bool = False) -> TrainResult:
    """Run (or, with ``resume``, continue) the RL training ``config`` describes."""
    from tqdm.auto import tqdm

    from batcoder.config import config_to_dict
    from batcoder.rl.metrics import MetricsWriter

    run = TrainingRun(config, resume)
    writer = MetricsWriter(
        run.run_dir, tensorboard=config.run.tensorboard, wandb_project=config.run.wandb_project if config.run.wandb else None,
        config=config_to_dict(config), resume_step=run.start_step,
    )

    def log(step: int, metrics: dict) -> None:
        with disk_errors(writer.path, "metrics"):
            writer.log(step, metrics)

    held_out_note = f", {len(run.held_out)} held-out items evaluated every {config.run.eval_every} steps" if run.held_out else ""
    print(
        f"batcoder train: {len(run.items)} items ({run.skipped_items} skipped){held_out_note}, rollout {config.rollout.kind}, "
        f"model {config.model.path} on {run.device}, {sum(p.numel() for p in run.parameters):,} trainable parameters, "
        f"run dir {run.run_dir}",
        flush=True,
    )
    step = run.start_step
    with run.rollout_kind(run.backend, run.tokenizer, config) as rollout, StopRequest() as stop:
        if run.held_out and run.start_step == 0:  # the untrained policy, for comparison
            log(0, run.evaluate(rollout))
        progress = tqdm(total=config.run.steps, initial=run.start_step, desc="train", unit="step", dynamic_ncols=True)
        while step < config.run.steps and not stop.requested:
            metrics = rl_step(run, rollout, step)
            step += 1
            if run.held_out and (step % config.run.eval_every == 0 or step == config.run.steps):
                evaluation = run.evaluate(rollout)
                metrics.update(evaluation)
                shown = ", ".join(f"{key} {value:.3f}" for key, value in evaluation.items() if key.startswith("eval/"))
                tqdm.write(f"step {step}: held-out {shown}")
            if step % config.run.log_every == 0 or step == config.run.steps or "time/eval" in metrics:
                log(step, metrics)
            progress.set_postfix(
                {stage: f"{metrics.get(f'reward/{stage}/mean', 0.0):.3f}" for stage in rollout.stages}, refresh=False
            )
            progress.update(1)
            if metrics["nonfinite_skipped_updates"]:
                tqdm.write(f"step {step}: skipped {metrics['nonfinite_skipped_updates']} update(s) with a non-finite loss or gradient")
            if config.run.checkpoint_every and step % config.run.checkpoint_every == 0 and step < config.run.steps:
                run.checkpoint(step)
        progress.close()
        interrupted = stop.requested is not None and step < config.run.steps
        path = run.checkpoint(step)
    writer.close()

    if interrupted:
        print(f"batcoder train: stopped by {stop.requested} after step {step}; checkpoint {path}; continue with --resume", flush=True)
        return TrainResult(run.run_dir, step, completed=False, interrupted=True, final_model=None, stopped_by=stop.requested)
    final_model, plot = run.save_final()
    print(f"batcoder train: done, {step} steps; final model {final_model}; metrics {writer.path}; plot {plot}", flush=True)
    return TrainResult(run.run_dir, step, completed=True, interrupted=False, final_model=final_model)
