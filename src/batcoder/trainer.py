"""``batcoder train``: BatCoder back-translation RL, one step read top to bottom in :func:`train`.

Each step: sample K documentations per function and one reconstruction per accepted documentation
(:mod:`batcoder.rollout.rollout`) → rewards S·R_doc and S → per-stage advantages
(:mod:`batcoder.rl.advantages`) → replay buffer → E epochs of micro-batches with gradient
accumulation and clipping (:mod:`batcoder.rl.losses`) → metrics and checkpoints. Both stages update
the same parameters. With ``run.eval_every``, held-out functions (the corpus's valid split by
default) are back-translated on fixed seeds before training and every N steps (``eval/*`` metrics).
"""

from __future__ import annotations

import math
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from batcoder.errors import UserError

STEP_SEED_STRIDE = 100_003  # generation seeds of step s start at seed * STRIDE^2 + s * STRIDE
HELD_OUT_STEP_SLOT = STEP_SEED_STRIDE - 1  # held-out evaluation samples with the seeds of a step no run reaches


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="BatCoder back-translation RL on unlabeled code",
        description="Train a code LM with BatCoder back-translation RL (REINFORCE++ by default).",
    )
    parser.add_argument("--config", required=True, help="YAML config (see configs/quickstart-cpu.yaml)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="dotted config overrides, e.g. rl.lr=1e-5")
    parser.add_argument("--output-dir", help="run directory (overrides run.output_dir)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in the run directory")
    parser.set_defaults(func=_run_command)


def _run_command(args) -> int:
    from batcoder.config import load_config

    overrides = list(args.overrides)
    if args.output_dir:
        overrides.append(f"run.output_dir={args.output_dir}")
    config = load_config(args.config, overrides)
    train(config, resume=args.resume)
    return 0


@dataclass
class TrainResult:
    run_dir: Path
    steps_done: int
    completed: bool  # reached run.steps
    interrupted: bool  # stopped by SIGINT/SIGTERM after saving a checkpoint
    final_model: Path | None


class DataCursor:
    """Position in a seeded, per-epoch shuffled order of the training functions (resumable)."""

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


def load_functions(config, *, held_out: bool = False) -> tuple[list, int]:
    """The corpus functions to train on (or, with ``held_out``, to evaluate on), comment-free (the
    policy must not see the original documentation), with their signatures; functions that cannot be
    prepared are skipped, counted."""
    from batcoder.data import read_corpus
    from batcoder.languages import get_language
    from batcoder.rollout.rollout import CodeFunction

    data = config.data
    key, corpus = ("data.eval_corpus", data.eval_corpus or data.corpus) if held_out else ("data.corpus", data.corpus)
    split, limit = (data.eval_split, data.eval_functions) if held_out else (data.split, data.max_functions)
    path = Path(corpus)
    if not path.is_file():
        raise UserError(f"config key '{key}': {path} does not exist (build one with `batcoder data build`)")
    functions, skipped = [], 0
    for row in read_corpus(path):
        if row.get("split", "train") != split:
            continue
        if data.language and row["language"] != data.language:
            continue
        if len(row["code"]) > data.max_code_chars:
            skipped += 1
            continue
        try:
            language = get_language(row["language"])
        except ValueError:  # a language this installation does not know
            skipped += 1
            continue
        code = language.strip_comments(row["code"]).strip("\n")
        definitions = language.functions(code)
        if not code or not definitions:
            skipped += 1
            continue
        functions.append(CodeFunction(code=code, language=row["language"], signature=definitions[0].signature, name=row.get("name", "")))
        if limit and len(functions) >= limit:
            break
    if not functions:
        raise UserError(
            f"config key '{key}': no usable functions in {path} (split={split!r}, "
            f"language={data.language!r}, {skipped} skipped)"
        )
    return functions, skipped


def _lr_lambda(config):
    """Learning-rate multiplier per RL step: linear warm-up, then constant / cosine / linear decay."""
    warmup, total, kind = config.rl.warmup_steps, config.run.steps, config.rl.scheduler

    def multiplier(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        if kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        if kind == "linear":
            return 1.0 - progress
        return 1.0

    return multiplier


def _sequence_log_probs(model, batch):
    """Per-token log-probs (batch, seq - 1) of each sequence's next tokens under ``model``."""
    from batcoder.rl.losses import token_log_probs

    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1]
    return token_log_probs(logits, batch.input_ids[:, 1:])


def _to_device(batch, device):
    for name in ("input_ids", "attention_mask", "action_mask", "advantages", "old_log_probs", "ref_log_probs"):
        value = getattr(batch, name)
        if value is not None:
            setattr(batch, name, value.to(device))
    return batch


class _StopRequest:
    """SIGINT/SIGTERM set a flag: the current step finishes, a checkpoint is saved, the run exits.
    A second signal interrupts at once."""

    def __init__(self):
        self.requested = None
        self._previous = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def _handle(self, signum, frame):
        if self.requested is not None:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name
        print(f"\nbatcoder: {self.requested} received: finishing this step, then saving a checkpoint", flush=True)

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def train(config, resume: bool = False) -> TrainResult:
    import random

    import numpy as np
    import torch
    from tqdm.auto import tqdm

    from batcoder.config import config_to_dict, load_config, save_config
    from batcoder.models import LoraSettings, load_model, save_model
    from batcoder.models.loading import resolve_device, training_precision
    from batcoder.outputs import claim_directory
    from batcoder.rl.advantages import compute_advantages
    from batcoder.rl.checkpoints import load_latest_checkpoint, rng_state, save_checkpoint, set_rng_state
    from batcoder.rl.dynamic_sampling import informative_groups, select_groups
    from batcoder.rl.losses import policy_loss
    from batcoder.rl.metrics import MetricsWriter, distribution, plot_reward_curves
    from batcoder.rl.replay import Experience, ReplayBuffer
    from batcoder.generation import get_backend
    from batcoder.rollout.rollout import CODE2DOC, DOC2CODE, BackTranslationRollout, RolloutStats, back_translation_score
    from batcoder.rollout.scoring import SimilarityScorer

    # ---- set-up: run directory, seeds, data, model, optimizer -------------------------------------
    run_dir = Path(config.run.output_dir)
    checkpoint_dir = run_dir / "checkpoints"
    config_path = run_dir / "config.yaml"
    if resume:
        if not config_path.is_file():
            raise UserError(f"--resume: {run_dir} holds no run to resume (no config.yaml)")
        saved = load_config(config_path)
        saved.run.steps = config.run.steps  # the only setting a resumed run may change: extend it
        if saved != config:
            raise UserError(f"--resume: the config differs from {config_path}; resume with the same config")
    elif (checkpoint_dir.is_dir() and any(checkpoint_dir.iterdir())) or (run_dir / "metrics.jsonl").exists():
        raise UserError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --output-dir")
    claim_directory(run_dir, "train", inputs=[config.model.path, config.data.corpus, config.data.eval_corpus])
    save_config(config, config_path)

    if config.run.threads:
        torch.set_num_threads(config.run.threads)
    random.seed(config.run.seed)
    np.random.seed(config.run.seed)
    torch.manual_seed(config.run.seed)

    functions, skipped_functions = load_functions(config)
    held_out = load_functions(config, held_out=True)[0] if config.run.eval_every else []
    lora = None
    if config.model.lora_rank > 0:
        lora = LoraSettings(r=config.model.lora_rank, alpha=config.model.lora_alpha, dropout=config.model.lora_dropout)
    device = resolve_device(config.model.device)
    weights_dtype, autocast_dtype = training_precision(config.model.dtype, device, lora=lora is not None)
    try:
        model, tokenizer = load_model(
            config.model.path,
            device=device,
            dtype=weights_dtype,
            lora=lora,
            gradient_checkpointing=config.model.gradient_checkpointing,
        )
    except OSError as error:
        raise UserError(f"config key 'model.path': cannot load {config.model.path} ({error})") from None
    autocast = torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None)
    reference = None
    if config.rl.kl_beta > 0:  # β = 0 (the default) never loads a reference model
        reference, _ = load_model(config.model.path, device=device, dtype=autocast_dtype or weights_dtype)
        reference.requires_grad_(False)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.rl.lr, weight_decay=config.rl.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(config))
    cursor = DataCursor(len(functions), config.run.seed)
    trained_stages = {"both": (CODE2DOC, DOC2CODE), "code2doc": (CODE2DOC,), "doc2code": (DOC2CODE,)}[config.rl.train_stages]

    start_step = 0
    if resume and (state := load_latest_checkpoint(checkpoint_dir)) is not None:
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        cursor = DataCursor(len(functions), config.run.seed, **state["cursor"])
        set_rng_state(state["rng"])
        start_step = state["step"]

    def checkpoint(step: int) -> Path:
        trainable = {name for name, p in model.named_parameters() if p.requires_grad}
        state = {
            "step": step,
            "model": {k: v for k, v in model.state_dict().items() if k in trainable},
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "cursor": cursor.state(),
            "rng": rng_state(),
        }
        return save_checkpoint(checkpoint_dir, step, state, config.run.keep_last)

    backend = get_backend(config.rollout.backend, model=model, tokenizer=tokenizer, batch_size=config.rollout.generation_batch_size)
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    writer = MetricsWriter(
        run_dir,
        tensorboard=config.run.tensorboard,
        wandb_project=config.run.wandb_project if config.run.wandb else None,
        config=config_to_dict(config),
        resume_step=start_step,
    )
    held_out_note = f", {len(held_out)} held-out functions evaluated every {config.run.eval_every} steps" if held_out else ""
    print(
        f"batcoder train: {len(functions)} functions ({skipped_functions} skipped){held_out_note}, model {config.model.path} on {device}, "
        f"{sum(p.numel() for p in parameters):,} trainable parameters, run dir {run_dir}",
        flush=True,
    )

    step = start_step
    completed = interrupted = False
    with SimilarityScorer(config.rollout.similarity_metric, config.rollout.reward_workers) as scorer, _StopRequest() as stop:
        rollout = BackTranslationRollout(
            backend,
            tokenizer,
            scorer,
            docs_per_function=config.rollout.docs_per_function,
            temperature=config.rollout.temperature,
            top_p=config.rollout.top_p,
            max_doc_tokens=config.rollout.max_doc_tokens,
            max_code_tokens=config.rollout.max_code_tokens,
            give_signature=config.rollout.give_signature,
            chunk_functions=config.rollout.chunk_functions,
        )
        held_out_seeds = (config.run.seed * STEP_SEED_STRIDE**2 + HELD_OUT_STEP_SLOT * STEP_SEED_STRIDE,)

        def evaluate_held_out() -> dict:
            start = time.perf_counter()
            model.eval()
            with torch.no_grad(), autocast:
                score = back_translation_score(rollout, held_out, held_out_seeds)
            return {
                "eval/backtranslation": score.score,
                "eval/valid_rate": score.valid_rate,
                "eval/similarity": score.similarity,
                "time/eval": time.perf_counter() - start,
            }

        if held_out and start_step == 0:  # the untrained policy, for comparison
            writer.log(0, evaluate_held_out())
        progress = tqdm(total=config.run.steps, initial=start_step, desc="train", unit="step", dynamic_ncols=True)
        while step < config.run.steps and not stop.requested:
            step_start = time.perf_counter()
            step_seed = config.run.seed * STEP_SEED_STRIDE**2 + step * STEP_SEED_STRIDE

            # ---- 1. rollout + rewards, with dynamic sampling ---------------------------------------
            model.eval()
            target = config.rollout.functions_per_step
            stats, trajectories, kept_groups = RolloutStats(), [], []
            dropped_groups = extra_rounds = 0
            next_group = 0
            while True:
                needed = target - len(kept_groups)
                indices = cursor.take(needed)
                group_ids = list(range(next_group, next_group + needed))
                next_group += needed
                with torch.no_grad(), autocast:
                    new, round_stats = rollout.run(
                        [functions[i] for i in indices], group_ids, seed=step_seed + 1000 * extra_rounds
                    )
                stats.add(round_stats)
                trajectories.extend(new)
                if not config.rl.dynamic_sampling:
                    kept_groups = group_ids
                    break
                trained = [t for t in new if t.stage in trained_stages]
                informative = set()
                for stage in trained_stages:
                    of_stage = [t for t in trained if t.stage == stage]
                    informative |= informative_groups([t.reward for t in of_stage], [t.group_id for t in of_stage])
                kept_groups, dropped = select_groups(kept_groups, group_ids, informative, target)
                dropped_groups += dropped
                if len(kept_groups) >= target or extra_rounds >= config.rl.dynamic_sampling_limit:
                    break
                extra_rounds += 1
            generation_done = time.perf_counter()

            # ---- 2. advantages, per stage, over the kept groups -----------------------------------
            kept = set(kept_groups)
            buffer = ReplayBuffer(pad_token_id)
            advantages_by_stage = {}
            for stage in trained_stages:
                of_stage = [t for t in trajectories if t.stage == stage and t.group_id in kept]
                advantages = compute_advantages(
                    torch.tensor([t.reward for t in of_stage], dtype=torch.float64),
                    torch.tensor([t.group_id for t in of_stage], dtype=torch.long),
                    config.rl.advantage,
                )
                advantages_by_stage[stage] = advantages
                buffer.extend(
                    [Experience(t.prompt_ids, t.response_ids, float(a), stage) for t, a in zip(of_stage, advantages)]
                )

            # ---- 3. replay buffer: cached log-probs where the update needs them ---------------------
            size, accumulation = config.rl.micro_batch_size, config.rl.grad_accumulation
            micro_batches_per_epoch = math.ceil(len(buffer) / size)
            optimizer_steps = config.rl.epochs * math.ceil(micro_batches_per_epoch / accumulation)
            # With a single optimizer step the policy cannot move before the last micro-batch, so the
            # rollout policy's log-probs equal the current ones (ratio 1) and need no extra pass.
            if optimizer_steps > 1 or reference is not None:
                with torch.no_grad(), autocast:
                    for batch in buffer.micro_batches(size):
                        batch = _to_device(batch, device)
                        if optimizer_steps > 1:
                            buffer.set_log_probs(batch, _sequence_log_probs(model, batch), "old_log_probs")
                        if reference is not None:
                            buffer.set_log_probs(batch, _sequence_log_probs(reference, batch), "ref_log_probs")

            # ---- 4. update: E epochs of micro-batches, gradient accumulation and clipping ----------
            model.train()
            shuffle = torch.Generator().manual_seed(step_seed)
            update_stats: dict[str, list[float]] = {"loss": [], "clip_fraction": [], "kl": [], "grad_norm": []}
            skipped_updates = update_tokens = 0
            for _ in range(config.rl.epochs):
                batches = buffer.micro_batches(size, generator=shuffle)
                for window_start in range(0, len(batches), accumulation):
                    window = batches[window_start : window_start + accumulation]
                    finite = True
                    for batch in window:
                        batch = _to_device(batch, device)
                        with autocast:
                            log_probs = _sequence_log_probs(model, batch)
                        old_log_probs = batch.old_log_probs if batch.old_log_probs is not None else log_probs.detach()
                        loss, loss_stats = policy_loss(
                            log_probs,
                            old_log_probs,
                            batch.advantages,
                            batch.action_mask,
                            config.rl.clip_eps,
                            ref_log_probs=batch.ref_log_probs,
                            kl_beta=config.rl.kl_beta,
                        )
                        finite &= bool(torch.isfinite(loss))
                        (loss / len(window)).backward()
                        update_tokens += batch.num_action_tokens
                        update_stats["loss"].append(loss.item())
                        update_stats["clip_fraction"].append(loss_stats["clip_fraction"].item())
                        update_stats["kl"].append(loss_stats.get("kl", loss_stats["kl_to_rollout_policy"]).item())
                    max_norm = config.rl.grad_clip if config.rl.grad_clip > 0 else float("inf")
                    grad_norm = torch.nn.utils.clip_grad_norm_(parameters, max_norm)
                    if finite and torch.isfinite(grad_norm):
                        optimizer.step()
                        update_stats["grad_norm"].append(grad_norm.item())
                    else:  # NaN/Inf guard: drop this update, keep the run alive, count it
                        skipped_updates += 1
                    optimizer.zero_grad(set_to_none=True)
            with warnings.catch_warnings():  # steps with nothing to train never call optimizer.step()
                warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
                scheduler.step()
            step += 1
            update_done = time.perf_counter()

            # ---- 5. metrics ----------------------------------------------------------------------
            docs = [t for t in trajectories if t.stage == CODE2DOC]
            codes = [t for t in trajectories if t.stage == DOC2CODE]
            generation_s = stats.generation_s
            reward_s = stats.reward_wait_s + stats.filter_s
            update_s = update_done - generation_done
            step_s = update_done - step_start
            metrics = {
                **distribution("reward/code2doc", [t.reward for t in docs]),
                **distribution("reward/doc2code", [t.reward for t in codes]),
                **distribution("similarity", [t.reward for t in codes]),
                "doc/valid_rate": sum(t.doc_score > 0 for t in docs) / max(1, len(docs)),
                **{f"doc/r_doc_{score:g}": sum(t.doc_score == score for t in docs) / max(1, len(docs)) for score in (0.0, 0.5, 1.0)},
                "length/doc_tokens": float(np.mean([len(t.response_ids) for t in docs])) if docs else 0.0,
                "length/code_tokens": float(np.mean([len(t.response_ids) for t in codes])) if codes else 0.0,
                "length/truncated_rate": sum(t.finish_reason == "length" for t in trajectories) / max(1, len(trajectories)),
                "loss": float(np.mean(update_stats["loss"])) if update_stats["loss"] else 0.0,
                "kl": float(np.mean(update_stats["kl"])) if update_stats["kl"] else 0.0,
                "clip_fraction": float(np.mean(update_stats["clip_fraction"])) if update_stats["clip_fraction"] else 0.0,
                "grad_norm": float(np.mean(update_stats["grad_norm"])) if update_stats["grad_norm"] else 0.0,
                "lr": scheduler.get_last_lr()[0],
                "trajectories_trained": len(buffer),
                "groups_trained": len(kept_groups),
                "dynamic_sampling/dropped_groups": dropped_groups,
                "dynamic_sampling/extra_rounds": extra_rounds,
                "nonfinite_skipped_updates": skipped_updates,
                "tokens_per_s/generation": stats.generated_tokens / max(generation_s, 1e-9),
                "tokens_per_s/update": update_tokens / max(update_s, 1e-9),
                "time/generation": generation_s,
                "time/reward": reward_s,
                "time/reward_overlapped": stats.reward_compute_s,
                "time/update": update_s,
                "time/step": step_s,
                "data/epoch": cursor.epoch,
            }
            if held_out and (step % config.run.eval_every == 0 or step == config.run.steps):
                metrics.update(evaluate_held_out())
                tqdm.write(
                    f"step {step}: held-out back-translation {metrics['eval/backtranslation']:.3f} "
                    f"(documentations accepted {metrics['eval/valid_rate']:.2f}, S of accepted {metrics['eval/similarity']:.3f})"
                )
            if step % config.run.log_every == 0 or step == config.run.steps or "eval/backtranslation" in metrics:
                writer.log(step, metrics)
            progress.set_postfix(
                doc=f"{metrics.get('reward/code2doc/mean', 0.0):.3f}",
                code=f"{metrics.get('reward/doc2code/mean', 0.0):.3f}",
                valid=f"{metrics['doc/valid_rate']:.2f}",
                refresh=False,
            )
            progress.update(1)
            if skipped_updates:
                tqdm.write(f"step {step}: skipped {skipped_updates} update(s) with a non-finite loss or gradient")

            if config.run.checkpoint_every and step % config.run.checkpoint_every == 0 and step < config.run.steps:
                checkpoint(step)
        progress.close()

        if stop.requested and step < config.run.steps:
            interrupted = True
            path = checkpoint(step)
            print(f"batcoder train: stopped by {stop.requested} after step {step}; checkpoint {path}; continue with --resume", flush=True)
        else:
            completed = True
            checkpoint(step)
    writer.close()

    final_model = None
    if completed:
        final_model = save_model(model, tokenizer, run_dir / "final-model", merge_lora=True, command="train")
        plot = plot_reward_curves(run_dir / "metrics.jsonl", run_dir / "reward_curves.png")
        print(f"batcoder train: done, {step} steps; final model {final_model}; metrics {run_dir / 'metrics.jsonl'}; plot {plot}", flush=True)
    return TrainResult(run_dir=run_dir, steps_done=step, completed=completed, interrupted=interrupted, final_model=final_model)
