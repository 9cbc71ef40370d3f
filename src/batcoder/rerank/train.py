"""Train a reranker on labelled candidates: Bradley–Terry over (passing, failing) pairs of one problem,
optionally plus pointwise BCE, with held-out metrics (pairwise accuracy, AUROC, top-1 pass rate).

Run directory (``run.output_dir``): ``config.yaml``, ``metrics.jsonl`` (+ TensorBoard),
``checkpoints/step-N/`` (resumable: trainable weights, optimizer, scheduler), ``model/`` (the
reranker, HF format) and ``summary.json`` (the final held-out metrics). Each step's pairs are drawn
from ``(run.seed, step)`` alone, so a resumed run trains on exactly the pairs the uninterrupted run
would have.

Under ``accelerate launch`` (``batcoder rerank train --num-processes N``) every rank draws the same
step batch and computes the loss of its share (pairs r, r + N, ...), weighted so that the gradient
DDP averages is the whole batch's: the update equals one process's, and since the batch depends on
the step alone, a run resumes with any number of processes. Rank 0 evaluates and writes the metrics,
checkpoints and the model.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from batcoder.errors import UserError
from batcoder.rerank.candidates import count_problems, group_by_problem, is_held_out, make_pairs, read_candidates
from batcoder.config import save_config
from batcoder.rerank.config import RerankTrainConfig
from batcoder.rerank.losses import auroc, pairwise_accuracy, pairwise_loss, pointwise_loss, top1_pass_rate
from batcoder.rerank.model import Reranker


@dataclass
class TrainingData:
    """Training rows, their pairs, and the held-out problems."""

    rows: list[dict]  # training candidates (pointwise term)
    pairs: list[tuple[int, int]]  # (passing row index, failing row index) into ``rows``, same problem
    held_out: dict[str, list[dict]]  # held-out candidates by problem
    texts: list[str] = field(default_factory=list)  # what the reranker reads of each of ``rows`` (set once it exists)
    held_out_texts: list[str] = field(default_factory=list)  # ... and of the held-out candidates, problem by problem


def candidate_triples(rows: Sequence[dict]) -> list[tuple[str, str, str]]:
    """``(prompt, completion, language)`` of candidate rows, as :meth:`Reranker.score` takes them."""
    return [(row["prompt"], row["completion"], row["language"]) for row in rows]


def split_data(config: RerankTrainConfig) -> TrainingData:
    rows = read_candidates(config.data.candidates)
    if config.data.eval_candidates is not None:
        held_out_rows = read_candidates(config.data.eval_candidates)
        held_ids = {str(row["task_id"]) for row in held_out_rows}
        rows = [row for row in rows if str(row["task_id"]) not in held_ids]  # never train on a held-out problem
    else:
        fraction = config.data.eval_fraction
        held_out_rows = [row for row in rows if is_held_out(str(row["task_id"]), fraction)]
        rows = [row for row in rows if not is_held_out(str(row["task_id"]), fraction)]
    pairs: list[tuple[int, int]] = []
    offset = 0
    for problem_index, group in enumerate(group_by_problem(rows).values()):
        for good, bad in make_pairs([row["passed"] for row in group], config.data.max_pairs_per_problem,
                                    seed=config.run.seed + problem_index):
            pairs.append((offset + good, offset + bad))
        offset += len(group)
    rows = [row for group in group_by_problem(rows).values() for row in group]  # the order the pairs index
    if not pairs and config.train.pointwise_weight == 0:
        counts = count_problems(group_by_problem(rows))
        raise UserError(
            f"{config.data.candidates}: no training problem has both passing and failing candidates "
            f"({counts.all_pass} all pass, {counts.all_fail} all fail): sample more candidates, or set train.pointwise_weight > 0"
        )
    return TrainingData(rows, pairs, group_by_problem(held_out_rows))


def evaluate_reranker(reranker: Reranker, held_out: dict[str, list[dict]], batch_size: int = 16,
                      texts: Sequence[str] | None = None) -> dict[str, float]:
    """Held-out metrics: ``eval/pairwise_accuracy``, ``eval/auroc``, ``eval/top1_pass_rate``
    (the pass rate of each problem's top-scored candidate) and, for comparison,
    ``eval/mean_pass_rate`` (a random pick's expected pass rate) and ``eval/oracle_pass_rate``.
    ``texts``: what the reranker reads of the candidates in ``held_out``'s order, when already made."""
    rows = [row for group in held_out.values() for row in group]
    if not rows:
        return {}
    scores = reranker.score_texts(texts if texts else reranker.texts(candidate_triples(rows)), batch_size)
    groups, start = [], 0
    for group in held_out.values():
        groups.append((scores[start : start + len(group)], [bool(row["passed"]) for row in group]))
        start += len(group)
    metrics = {
        "eval/pairwise_accuracy": pairwise_accuracy(groups),
        "eval/auroc": auroc(scores, [bool(row["passed"]) for row in rows]),
        "eval/top1_pass_rate": top1_pass_rate(groups),
        "eval/mean_pass_rate": sum(sum(labels) / len(labels) for _, labels in groups) / len(groups),
        "eval/oracle_pass_rate": sum(any(labels) for _, labels in groups) / len(groups),
        "eval/problems": len(groups),
    }
    return {key: value for key, value in metrics.items() if value is not None}


def step_batch(data: TrainingData, config: RerankTrainConfig, step: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The pairs and pointwise rows of ``step``: drawn from ``(seed, step)`` only."""
    rng = random.Random(f"{config.run.seed}:{step}")
    pairs = [data.pairs[rng.randrange(len(data.pairs))] for _ in range(config.train.pairs_per_step)] if data.pairs else []
    points = []
    if config.train.pointwise_weight > 0:
        points = [rng.randrange(len(data.rows)) for _ in range(config.train.pointwise_per_step)]
    return pairs, points


def batch_loss(reranker: Reranker, data: TrainingData, pairs: Sequence[tuple[int, int]], points: Sequence[int],
               pointwise_weight: float, *, step_pairs: int | None = None, step_points: int | None = None,
               forward=None) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of ``pairs`` and ``points``, a share of a step batch of ``step_pairs`` pairs and
    ``step_points`` pointwise rows (default: all of it), weighted by that share: the shares' losses
    and logged values sum to the whole batch's. ``forward`` is the model to run (the DDP wrapper)."""
    step_pairs, step_points = step_pairs or len(pairs), step_points or len(points)
    indices = [good for good, _ in pairs] + [bad for _, bad in pairs] + list(points)
    scores = (forward or reranker)(**reranker.encode([data.texts[index] for index in indices]))
    loss = torch.zeros((), device=scores.device)
    logged: dict[str, float] = {}
    if pairs:
        share = len(pairs) / step_pairs
        good, bad = scores[: len(pairs)], scores[len(pairs) : 2 * len(pairs)]
        pair_loss = pairwise_loss(good, bad) * share
        loss = loss + pair_loss
        logged["train/pairwise_loss"] = pair_loss.item()
        logged["train/pair_accuracy"] = (good > bad).float().mean().item() * share
    if points:
        labels = torch.tensor([bool(data.rows[index]["passed"]) for index in points], device=scores.device)
        point_loss = pointwise_loss(scores[2 * len(pairs) :], labels) * (len(points) / step_points)
        loss = loss + pointwise_weight * point_loss
        logged["train/pointwise_loss"] = point_loss.item()
    logged["train/loss"] = loss.item()
    return loss, logged


def _new_reranker(config: RerankTrainConfig, device) -> Reranker:
    from batcoder.models.loading import LoraSettings
    from batcoder.rerank.model import create_reranker

    model = config.model
    lora = LoraSettings(r=model.lora_rank, alpha=model.lora_alpha, dropout=model.lora_dropout) if model.lora_rank else None
    try:
        return create_reranker(model.base, head=model.head, max_length=model.max_length,
                               execution_inputs=model.execution_inputs, lora=lora, device=device, seed=config.run.seed)
    except (OSError, ValueError) as error:
        from batcoder.errors import first_line

        raise UserError(f"config key 'model.base' ({model.base}): cannot load: {first_line(error)}") from None


def train_reranker(config: RerankTrainConfig, *, resume: bool = False, progress: bool = True) -> dict | None:
    """Train per ``config``; returns the final held-out metrics (also in ``summary.json``); None on
    the ranks other than 0 of a multi-process run."""
    from tqdm import tqdm

    from batcoder.data.jsonl import write_json
    from batcoder.models.loading import resolve_device
    from batcoder.rl.checkpoints import load_latest_checkpoint, save_checkpoint
    from batcoder.rl.metrics import MetricsWriter
    from batcoder.training.distributed import Processes

    run_dir = Path(config.run.output_dir)
    checkpoints = run_dir / "checkpoints"
    device = resolve_device(config.model.device)
    processes = Processes.start(cpu=device.type == "cpu", timeout_s=config.run.collective_timeout_s,
                                micro_batch_size=config.train.pairs_per_step)
    shares = {"train.pairs_per_step": config.train.pairs_per_step}
    if config.train.pointwise_weight > 0:
        shares["train.pointwise_per_step"] = config.train.pointwise_per_step
    for key, value in shares.items():
        if value < processes.world_size:
            raise UserError(f"config key '{key}': {value} is fewer than the {processes.world_size} processes; raise it")
    state = load_latest_checkpoint(checkpoints) if resume else None
    if not resume and (run_dir / "metrics.jsonl").exists():
        raise UserError(f"{run_dir} already holds a run: pass --resume to continue it, or choose another run.output_dir")
    processes.wait()  # every rank has looked before rank 0 writes
    if config.run.threads:
        torch.set_num_threads(config.run.threads)
    data = split_data(config)
    reranker = _new_reranker(config, processes.device(device))
    data.texts = reranker.texts(candidate_triples(data.rows))  # once: an execution-reading reranker runs them
    data.held_out_texts = reranker.texts(candidate_triples([row for group in data.held_out.values() for row in group]))
    trainable = [parameter for parameter in reranker.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.train.lr, weight_decay=config.train.weight_decay)
    warmup = config.train.warmup_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup) if warmup else 1.0)
    start = 0
    if state is not None:
        reranker.load_state_dict(state["trainable"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["step"]
    policy, optimizer = processes.prepare(reranker, optimizer)
    counts = count_problems(group_by_problem(data.rows)).as_dict()
    writer = None
    if processes.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(config, run_dir / "config.yaml")
        writer = MetricsWriter(run_dir, tensorboard=config.run.tensorboard, wandb_project=None, config={}, resume_step=start)

    def checkpoint(step: int) -> None:
        if processes.is_main:
            trainable_state = {name: tensor for name, tensor in reranker.state_dict().items()
                               if name in {n for n, p in reranker.named_parameters() if p.requires_grad}}
            save_checkpoint(checkpoints, step, {"step": step, "trainable": trainable_state, "optimizer": optimizer.state_dict(),
                                                "scheduler": scheduler.state_dict(), "processes": processes.world_size},
                            config.run.keep_last)
        processes.wait()

    if start == 0 and writer is not None:
        writer.log(0, {**evaluate_reranker(reranker, data.held_out, config.run.score_batch_size, data.held_out_texts),
                       "data/train_pairs": len(data.pairs), "data/train_candidates": len(data.rows),
                       "data/mixed_problems": counts["mixed"]})
    reranker.train()
    bar = tqdm(range(start, config.train.steps), initial=start, total=config.train.steps, desc="reranker",
               disable=not progress or not processes.is_main, dynamic_ncols=True)
    try:
        for step in bar:
            began = time.perf_counter()
            pairs, points = step_batch(data, config, step)
            loss, metrics = batch_loss(reranker, data, processes.my_share(pairs), processes.my_share(points),
                                       config.train.pointwise_weight, step_pairs=len(pairs), step_points=len(points),
                                       forward=policy)
            optimizer.zero_grad(set_to_none=True)
            processes.backward(loss * processes.world_size)  # DDP averages the shares' gradients: sum them
            metrics = {key: processes.sum(value) for key, value in metrics.items()}
            if config.train.grad_clip > 0:
                metrics["train/grad_norm"] = float(processes.clip_grad_norm_(trainable, config.train.grad_clip))
            optimizer.step()
            scheduler.step()
            metrics.update({"train/lr": scheduler.get_last_lr()[0], "time/step_s": time.perf_counter() - began})
            done = step + 1
            if writer is not None:
                if done == config.train.steps or (config.run.eval_every and done % config.run.eval_every == 0):
                    metrics.update(evaluate_reranker(reranker, data.held_out, config.run.score_batch_size, data.held_out_texts))
                    reranker.train()
                writer.log(done, metrics)
            bar.set_postfix(loss=f"{metrics['train/loss']:.3f}")
            if done == config.train.steps or (config.run.checkpoint_every and done % config.run.checkpoint_every == 0):
                checkpoint(done)
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    if not processes.is_main:
        return None
    reranker.eval()
    reranker.save(run_dir / "model")
    final = evaluate_reranker(reranker, data.held_out, config.run.score_batch_size, data.held_out_texts)
    summary = {"train": counts, "held_out_problems": len(data.held_out), "train_pairs": len(data.pairs),
               "processes": processes.world_size, **final}
    write_json(run_dir / "summary.json", summary)
    return summary


def summary_of(run_dir: str | Path) -> dict:
    return json.loads((Path(run_dir) / "summary.json").read_text(encoding="utf-8"))
