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

from batcoder.errors import UserError, first_line
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


def optimizer_shard_name(rank: int) -> str:
    """The file of rank ``rank``'s part of a sharded optimizer state, in a checkpoint directory."""
    return f"optimizer-rank-{rank:05d}.pt"


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
        from batcoder.outputs import claim_directory
        from batcoder.generation import get_backend
        from batcoder.models import LoraSettings, load_model
        from batcoder.models.loading import resolve_device
        from batcoder.rollout import get_rollout
        from batcoder.training.distributed import Processes
        from batcoder.training.setup import load_trainable, make_optimizer

        self.config = config
        self.processes = Processes.start(cpu=resolve_device(config.model.device).type == "cpu",
                                         timeout_s=config.run.collective_timeout_s, grad_accumulation=config.rl.grad_accumulation,
                                         micro_batch_size=config.rl.micro_batch_size)
        self.run_dir = Path(config.run.output_dir)
        self.checkpoint_dir = self.run_dir / "checkpoints"
        if resume:
            check_resumable(config, self.run_dir)
        elif (self.checkpoint_dir.is_dir() and any(self.checkpoint_dir.iterdir())) or (self.run_dir / "metrics.jsonl").exists():
            raise UserError(f"{self.run_dir} already holds a run; pass --resume to continue it or choose another --output-dir")
        self.processes.wait()  # every rank has checked the run directory before rank 0 writes to it
        if self.processes.is_main:
            with disk_errors(self.run_dir, "the run's config"):
                claim_directory(self.run_dir, "train", inputs=[config.model.path, config.data.corpus, config.data.eval_corpus])
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
            config.model.path, device=str(self.processes.device(resolve_device(config.model.device))), dtype=config.model.dtype, lora=lora,
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
        # The policy the update trains: the model wrapped for DDP / FSDP / DeepSpeed (itself for one process).
        self.policy, self.optimizer = self.processes.prepare(self.model, self.optimizer)
        self.cursor = DataCursor(len(self.items), config.run.seed)
        self.start_step = self._resume() if resume else 0
        self.backend = get_backend(config.rollout.backend, model=self.model, tokenizer=self.tokenizer,
                                   batch_size=config.rollout.generation_batch_size)
        self.pad_token_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    def _resume(self) -> int:
        import torch

        from batcoder.rl.checkpoints import list_checkpoints, load_latest_checkpoint, set_rng_state

        state = load_latest_checkpoint(self.checkpoint_dir)
        if state is None:
            return 0
        checkpoint = list_checkpoints(self.checkpoint_dir)[-1]
        saved_processes = state.get("processes", 1)
        if saved_processes != self.processes.world_size:
            raise UserError(f"--resume: the run was trained by {saved_processes} process(es), this launch has "
                            f"{self.processes.world_size}; resume with --num-processes {saved_processes}")
        load_trainable_state(self.model, state["model"], str(checkpoint))
        if state.get("optimizer_shards"):  # FSDP / ZeRO: each rank wrote its part
            shard = checkpoint / optimizer_shard_name(self.processes.rank)
            try:
                optimizer_state = torch.load(shard, map_location="cpu", weights_only=False)
            except Exception as error:
                raise UserError(f"--resume: {shard}: cannot load this rank's optimizer state ({first_line(error)})") from None
            self.optimizer.load_state_dict(optimizer_state)
        else:
            self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.cursor = DataCursor(len(self.items), self.config.run.seed, **state["cursor"])
        set_rng_state(state["rng_per_rank"][self.processes.rank] if "rng_per_rank" in state else state["rng"])
        return state["step"]

    def checkpoint(self, step: int) -> Path:
        """Rank 0 writes the checkpoint (with every rank's RNG state); where the optimizer state is
        sharded (FSDP, ZeRO) every rank writes its part into it first. The others wait for rank 0."""
        from batcoder.rl.checkpoints import commit_checkpoint, rng_state, stage_checkpoint, write_durably

        processes, keep_last = self.processes, self.config.run.keep_last
        rng_per_rank = processes.all_ranks(rng_state())
        path = self.checkpoint_dir / f"step-{step:06d}"
        staging = None
        if processes.is_main:
            with disk_errors(self.checkpoint_dir, f"the step-{step} checkpoint"):
                staging = stage_checkpoint(self.checkpoint_dir, step, keep_last)
        sharded = processes.shards_optimizer
        if sharded:
            staging = Path(processes.all_ranks(str(staging))[0])
            with disk_errors(self.checkpoint_dir, f"the step-{step} checkpoint"):
                write_durably(staging / optimizer_shard_name(processes.rank), self.optimizer.state_dict())
            processes.wait()
        trainable = {name for name, p in self.model.named_parameters() if p.requires_grad}
        with processes.full_weights(self.policy):  # entered by every rank: gathering shards is a collective
            weights = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items() if k in trainable} if processes.is_main else None
        if processes.is_main:
            state = {
                "step": step,
                "model": weights,
                "optimizer": None if sharded else self.optimizer.state_dict(),
                "optimizer_shards": processes.world_size if sharded else 0,
                "scheduler": self.scheduler.state_dict(),
                "cursor": self.cursor.state(),
                "rng": rng_per_rank[0],
                "rng_per_rank": rng_per_rank,
                "processes": self.processes.world_size,
            }
            with disk_errors(self.checkpoint_dir, f"the step-{step} checkpoint"):
                path = commit_checkpoint(self.checkpoint_dir, staging, step, state, keep_last)
        processes.wait()
        return path

    def evaluate(self, rollout) -> dict:
        """The rollout kind's held-out metrics, on the same fixed seeds at every evaluation (every
        rank evaluates the same items, in the time one takes; rank 0 logs them)."""
        import torch

        start = time.perf_counter()
        seeds = (self.config.run.seed * STEP_SEED_STRIDE**2 + HELD_OUT_STEP_SLOT * STEP_SEED_STRIDE,)
        self.model.eval()
        with torch.no_grad(), self.autocast, self.processes.full_weights(self.policy):
            metrics = rollout.evaluate(self.held_out, seeds)
        return {**metrics, "time/eval": time.perf_counter() - start}

    def save_final(self) -> tuple[Path, Path | None]:
        """Rank 0 saves the final model and plots the metrics; the others wait for it."""
        from batcoder.models import save_model
        from batcoder.rl.metrics import plot_reward_curves

        final_model, plot = self.run_dir / "final-model", None
        with self.processes.full_weights(self.policy):
            if self.processes.is_main:
                with disk_errors(self.run_dir / "final-model", "the final model"):
                    final_model = save_model(self.model, self.tokenizer, self.run_dir / "final-model", merge_lora=True, command="train")
                    plot = plot_reward_curves(self.run_dir / "metrics.jsonl", self.run_dir / "reward_curves.png",
                                              headline=self.rollout_kind.headline_metric, rate=self.rollout_kind.rate_metric)
        self.processes.wait()
        return final_model, plot


def train(config, resume: bool = False) -> TrainResult:
    """Run (or, with ``resume``, continue) the RL training ``config`` describes."""
    from tqdm.auto import tqdm

    from batcoder.config import config_to_dict
    from batcoder.rl.metrics import MetricsWriter

    run = TrainingRun(config, resume)
    main = run.processes.is_main  # rank 0 writes metrics, plots, checkpoints and prints
    writer = None
    if main:
        writer = MetricsWriter(
            run.run_dir, tensorboard=config.run.tensorboard, wandb_project=config.run.wandb_project if config.run.wandb else None,
            config=config_to_dict(config), resume_step=run.start_step,
        )

    def log(step: int, metrics: dict) -> None:
        if main:
            with disk_errors(writer.path, "metrics"):
                writer.log(step, metrics)

    held_out_note = f", {len(run.held_out)} held-out items evaluated every {config.run.eval_every} steps" if run.held_out else ""
    ranks = f" x {run.processes.world_size} processes" if run.processes.distributed else ""
    if main:
        print(
            f"batcoder train: {len(run.items)} items ({run.skipped_items} skipped){held_out_note}, rollout {config.rollout.kind}, "
            f"model {config.model.path} on {run.device}{ranks}, {sum(p.numel() for p in run.parameters):,} trainable parameters, "
            f"run dir {run.run_dir}",
            flush=True,
        )
    step = run.start_step
    with run.rollout_kind(run.backend, run.tokenizer, config) as rollout, StopRequest() as stop:
        if run.held_out and run.start_step == 0:  # the untrained policy, for comparison
            log(0, run.evaluate(rollout))
        progress = tqdm(total=config.run.steps, initial=run.start_step, desc="train", unit="step", dynamic_ncols=True, disable=not main)
        stopping = False  # a signal to any rank stops every rank after the same step
        while step < config.run.steps and not stopping:
            metrics = rl_step(run, rollout, step)
            step += 1
            if run.held_out and (step % config.run.eval_every == 0 or step == config.run.steps):
                evaluation = run.evaluate(rollout)
                metrics.update(evaluation)
                shown = ", ".join(f"{key} {value:.3f}" for key, value in evaluation.items() if key.startswith("eval/"))
                if main:
                    tqdm.write(f"step {step}: held-out {shown}")
            if step % config.run.log_every == 0 or step == config.run.steps or "time/eval" in metrics:
                log(step, metrics)
            progress.set_postfix(
                {stage: f"{metrics.get(f'reward/{stage}/mean', 0.0):.3f}" for stage in rollout.stages}, refresh=False
            )
            progress.update(1)
            if metrics["nonfinite_skipped_updates"] and main:
                tqdm.write(f"step {step}: skipped {metrics['nonfinite_skipped_updates']} update(s) with a non-finite loss or gradient")
            if config.run.checkpoint_every and step % config.run.checkpoint_every == 0 and step < config.run.steps:
                run.checkpoint(step)
            stopping = run.processes.sum(stop.requested is not None) > 0
        progress.close()
        interrupted = stopping and step < config.run.steps
        stopped_by = next((name for name in run.processes.all_ranks(stop.requested) if name), None)
        path = run.checkpoint(step)
    if writer is not None:
        writer.close()

    if interrupted:
        if main:
            print(f"batcoder train: stopped by {stopped_by} after step {step}; checkpoint {path}; continue with --resume", flush=True)
        return TrainResult(run.run_dir, step, completed=False, interrupted=True, final_model=None, stopped_by=stopped_by)
    final_model, plot = run.save_final()
    if main:
        print(f"batcoder train: done, {step} steps; final model {final_model}; metrics {run.run_dir / 'metrics.jsonl'}; plot {plot}", flush=True)
    return TrainResult(run.run_dir, step, completed=True, interrupted=False, final_model=final_model)
