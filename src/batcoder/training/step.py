"""One RL step as named phases (:func:`rl_step` reads top to bottom):

1. :func:`collect_rollouts` — the rollout kind turns a batch of items into scored trajectories;
   dynamic sampling replaces groups that carry no learning signal (see the function).
2. :func:`compute_advantages` — one scalar per trajectory, normalised per stage
   (:mod:`batcoder.rl.advantages`).
3. :func:`fill_buffer` — the replay buffer, with rollout-policy / reference log-probs cached when the
   update needs them.
4. :func:`update` — E epochs of micro-batches, gradient accumulation, clipping, the NaN guard.
5. :func:`sync_engine_weights` — the generation engine samples from the updated weights next step.
6. :func:`step_metrics` — the metrics line of the step.

Each phase is timed (``time/*``). To add a reward, write a rollout kind (:mod:`batcoder.rollout`);
to add a distributed gather, change :func:`compute_advantages` (global normalisation) and
:func:`update`; to add an engine, the engine's ``sync_weights``.
"""

from __future__ import annotations

import math
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from batcoder.rl.advantages import compute_advantages as advantages_of
from batcoder.rl.dynamic_sampling import informative_groups, select_groups
from batcoder.rl.losses import policy_loss
from batcoder.rl.metrics import distribution
from batcoder.rl.replay import Experience, ReplayBuffer
from batcoder.rollout.base import RolloutStats, Trajectory
from batcoder.training.logprobs import response_log_probs

STEP_SEED_STRIDE = 100_003  # generation seeds of step s start at seed * STRIDE^2 + s * STRIDE


def step_seed(seed: int, step: int) -> int:
    return seed * STEP_SEED_STRIDE**2 + step * STEP_SEED_STRIDE


@contextmanager
def timed(timings: dict[str, float], name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


@dataclass
class Rollouts:
    """What :func:`collect_rollouts` gathered: every trajectory sampled this step (metrics) and the
    groups kept for training."""

    trajectories: list[Trajectory]
    kept_groups: list[int]
    stats: RolloutStats
    dropped_groups: int = 0
    extra_rounds: int = 0

    def trained(self, stages: tuple[str, ...]) -> list[Trajectory]:
        kept = set(self.kept_groups)
        return [t for t in self.trajectories if t.stage in stages and t.group_id in kept]


@dataclass
class UpdateStats:
    loss: list[float] = field(default_factory=list)
    clip_fraction: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    skipped_updates: int = 0  # optimizer steps dropped for a non-finite loss or gradient
    tokens: int = 0  # response tokens trained on


def rl_step(run, rollout, step: int) -> dict:
    """Train one step (``step`` counts from 0); returns its metrics."""
    config, timings = run.config, {}
    seed = step_seed(config.run.seed, step)
    with timed(timings, "rollout"):
        rollouts = collect_rollouts(run, rollout, seed)
    with timed(timings, "update"):  # time/update: everything between the rollout and the weight sync
        experiences = compute_advantages(rollouts.trained(run.trained_stages), run.trained_stages, config.rl.advantage)
        buffer = fill_buffer(run, experiences)
        update_stats = update(run, buffer, seed)
    with timed(timings, "sync_weights"):
        sync_engine_weights(run)
    return step_metrics(run, rollout, rollouts, buffer, update_stats, timings)


def collect_rollouts(run, rollout, seed: int) -> Rollouts:
    """``rollout.functions_per_step`` groups of scored trajectories.

    With ``rl.dynamic_sampling``, a group whose trained trajectories all got the same reward is
    replaced by a freshly sampled one, for at most ``rl.dynamic_sampling_limit`` extra rounds. Under
    group-relative advantages (``grpo``, ``reinforce++-baseline``) such a group's advantages are 0;
    under global ``reinforce++`` they are not (docs/training.md says what dropping does there).
    """
    config = run.config
    target = config.rollout.functions_per_step
    collected = Rollouts([], [], RolloutStats())
    next_group = 0
    run.model.eval()
    while True:
        needed = target - len(collected.kept_groups)
        indices = run.cursor.take(needed)
        group_ids = list(range(next_group, next_group + needed))
        next_group += needed
        with torch.no_grad(), run.autocast:
            new, stats = rollout.run([run.items[i] for i in indices], group_ids, seed=seed + 1000 * collected.extra_rounds)
        undeclared = {t.stage for t in new} - set(rollout.stages)
        if undeclared:
            raise ValueError(f"rollout kind {rollout.name!r} returned stage(s) {sorted(undeclared)} it does not declare in stages={rollout.stages}")
        collected.stats.add(stats)
        collected.trajectories.extend(new)
        if not config.rl.dynamic_sampling:
            collected.kept_groups = group_ids
            return collected
        informative: set[int] = set()
        for stage in run.trained_stages:
            of_stage = [t for t in new if t.stage == stage]
            informative |= informative_groups([t.reward for t in of_stage], [t.group_id for t in of_stage])
        collected.kept_groups, dropped = select_groups(collected.kept_groups, group_ids, informative, target)
        collected.dropped_groups += dropped
        if len(collected.kept_groups) >= target or collected.extra_rounds >= config.rl.dynamic_sampling_limit:
            return collected
        collected.extra_rounds += 1


def compute_advantages(trajectories: list[Trajectory], stages: tuple[str, ...], mode: str) -> list[Experience]:
    """One experience per trajectory, its advantage normalised over the trajectories of its stage
    (stages differ in reward scale and group size), in ``stages`` order."""
    experiences = []
    for stage in stages:
        of_stage = [t for t in trajectories if t.stage == stage]
        advantages = advantages_of(
            torch.tensor([t.reward for t in of_stage], dtype=torch.float64),
            torch.tensor([t.group_id for t in of_stage], dtype=torch.long),
            mode,
        )
        experiences.extend(Experience(t.prompt_ids, t.response_ids, float(a), stage) for t, a in zip(of_stage, advantages))
    return experiences


def _to_device(batch, device):
    for name in ("input_ids", "attention_mask", "action_mask", "advantages", "old_log_probs", "ref_log_probs"):
        value = getattr(batch, name)
        if value is not None:
            setattr(batch, name, value.to(device))
    return batch


def _log_probs(run, model, batch) -> torch.Tensor:
    return response_log_probs(model, batch.input_ids, batch.attention_mask, batch.action_mask, run.config.rollout.temperature)


def optimizer_steps_per_update(config, buffer_size: int) -> int:
    micro_batches = math.ceil(buffer_size / config.rl.micro_batch_size)
    return config.rl.epochs * math.ceil(micro_batches / config.rl.grad_accumulation)


def fill_buffer(run, experiences: list[Experience]) -> ReplayBuffer:
    """The replay buffer; rollout-policy log-probs are cached when the policy moves before the last
    micro-batch (more than one optimizer step), reference log-probs when there is a KL term. With a
    single optimizer step the rollout policy's log-probs equal the current ones (ratio 1)."""
    buffer = ReplayBuffer(run.pad_token_id)
    buffer.extend(experiences)
    cache_old = optimizer_steps_per_update(run.config, len(buffer)) > 1
    if cache_old or run.reference is not None:
        with torch.no_grad(), run.autocast:
            for batch in buffer.micro_batches(run.config.rl.micro_batch_size):
                batch = _to_device(batch, run.device)
                if cache_old:
                    buffer.set_log_probs(batch, _log_probs(run, run.model, batch), "old_log_probs")
                if run.reference is not None:
                    buffer.set_log_probs(batch, _log_probs(run, run.reference, batch), "ref_log_probs")
    return buffer


def update(run, buffer: ReplayBuffer, seed: int) -> UpdateStats:
    """``rl.epochs`` passes over the buffer in shuffled micro-batches; ``rl.grad_accumulation``
    micro-batches per optimizer step; an update with a non-finite loss or gradient is skipped and
    counted. The schedule steps once per RL step."""
    rl = run.config.rl
    stats = UpdateStats()
    run.model.train()
    shuffle = torch.Generator().manual_seed(seed)
    max_norm = rl.grad_clip if rl.grad_clip > 0 else float("inf")
    for _ in range(rl.epochs):
        batches = buffer.micro_batches(rl.micro_batch_size, generator=shuffle)
        for window_start in range(0, len(batches), rl.grad_accumulation):
            window = batches[window_start : window_start + rl.grad_accumulation]
            finite = True
            for batch in window:
                batch = _to_device(batch, run.device)
                with run.autocast:
                    log_probs = _log_probs(run, run.model, batch)
                old_log_probs = batch.old_log_probs if batch.old_log_probs is not None else log_probs.detach()
                loss, loss_stats = policy_loss(
                    log_probs, old_log_probs, batch.advantages, batch.action_mask, rl.clip_eps,
                    ref_log_probs=batch.ref_log_probs, kl_beta=rl.kl_beta,
                )
                finite &= bool(torch.isfinite(loss))
                (loss / len(window)).backward()
                stats.tokens += batch.num_action_tokens
                stats.loss.append(loss.item())
                stats.clip_fraction.append(loss_stats["clip_fraction"].item())
                stats.kl.append(loss_stats.get("kl", loss_stats["kl_to_rollout_policy"]).item())
            grad_norm = torch.nn.utils.clip_grad_norm_(run.parameters, max_norm)
            if finite and torch.isfinite(grad_norm):
                run.optimizer.step()
                stats.grad_norm.append(grad_norm.item())
            else:  # NaN/Inf guard: drop this update, keep the run alive, count it
                stats.skipped_updates += 1
            run.optimizer.zero_grad(set_to_none=True)
    with warnings.catch_warnings():  # steps with nothing to train never call optimizer.step()
        warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
        run.scheduler.step()
    return stats


def sync_engine_weights(run) -> None:
    """Push the updated weights to the generation engine (a no-op for HF, which shares them)."""
    run.backend.sync_weights()


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else 0.0


def step_metrics(run, rollout, rollouts: Rollouts, buffer: ReplayBuffer, update_stats: UpdateStats, timings: dict) -> dict:
    stats, trajectories = rollouts.stats, rollouts.trajectories
    step_s = sum(timings.values())
    return {
        **{key: value for stage in rollout.stages for key, value in distribution(f"reward/{stage}", [t.reward for t in trajectories if t.stage == stage]).items()},
        **rollout.metrics(trajectories),
        "length/truncated_rate": sum(t.finish_reason == "length" for t in trajectories) / max(1, len(trajectories)),
        "loss": _mean(update_stats.loss),
        "kl": _mean(update_stats.kl),
        "clip_fraction": _mean(update_stats.clip_fraction),
        "grad_norm": _mean(update_stats.grad_norm),
        "lr": run.scheduler.get_last_lr()[0],
        "trajectories_trained": len(buffer),
        "groups_trained": len(rollouts.kept_groups),
        "dynamic_sampling/dropped_groups": rollouts.dropped_groups,
        "dynamic_sampling/extra_rounds": rollouts.extra_rounds,
        "nonfinite_skipped_updates": update_stats.skipped_updates,
        "reward/rescored_batches": stats.rescored_batches,
        "tokens_per_s/generation": stats.generated_tokens / max(stats.generation_s, 1e-9),
        "tokens_per_s/update": update_stats.tokens / max(timings["update"], 1e-9),
        "time/generation": stats.generation_s,
        "time/reward": stats.reward_s,
        "time/reward_overlapped": stats.reward_overlapped_s,
        "time/update": timings["update"],
        "time/sync_weights": timings["sync_weights"],
        "time/step": step_s,
        "data/epoch": run.cursor.epoch,
    }
