"""``batcoder experiment``: the arms x seeds of one experiment, from one shared base checkpoint.

The base model is cached in ``models_dir/pretrain-<key>`` (by config and corpus hash). Layout of
``output_dir``::

    experiment.yaml              the resolved config (a rerun must match it; arms and seeds: all ever run here)
    world/                       the code world (corpora and benchmarks)
    arms/<arm>/seed-<seed>/      one run: evaluations.jsonl, train/ (RL) or sft-model/ (SFT), result.json last
    results.md, *.png            the report (``batcoder report`` redraws it)

A run whose ``result.json`` exists is finished and skipped, so an interrupted experiment resumes
where it stopped (an RL run continues from its last checkpoint). RL runs train in segments of
``eval.every`` steps (``batcoder train --resume`` semantics: the run is the same as one straight
through) and the benchmark is evaluated after each.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from pathlib import Path

import yaml

from batcoder.errors import UserError
from batcoder.experiment.arms import ARMS, Arm, with_overrides
from batcoder.experiment.config import ExperimentConfig

RESULT = "result.json"
EVALUATIONS = "evaluations.jsonl"


class Experiment:
    """One experiment's shared parts (world, base model, benchmarks) and its runs."""

    def __init__(self, config: ExperimentConfig, *, progress: bool = True):
        self.config = config
        self.output = Path(config.output_dir)
        self.progress = progress
        self._benchmarks: dict | None = None

    # ---- shared parts ------------------------------------------------------------------------------
    def check_output_dir(self) -> None:
        """Refuse a directory that holds a different experiment (only arms and seeds may change)."""
        saved_path = self.output / "experiment.yaml"
        current = dataclasses.asdict(self.config)
        if saved_path.is_file():
            saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {}
            strip = lambda values: {k: v for k, v in values.items() if k not in ("arms", "seeds")}  # noqa: E731
            if strip(saved) != strip(current):
                differing = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k) and k not in ("arms", "seeds"))
                raise UserError(
                    f"{self.output} holds a different experiment (differs in: {', '.join(differing)}); "
                    "choose another output_dir"
                )
            # the arms and seeds ever run here (parts of one experiment may run separately)
            current["arms"] = saved.get("arms", []) + [arm for arm in current["arms"] if arm not in saved.get("arms", [])]
            current["seeds"] = saved.get("seeds", []) + [seed for seed in current["seeds"] if seed not in saved.get("seeds", [])]
        self.output.mkdir(parents=True, exist_ok=True)
        tmp = saved_path.with_name(f"{saved_path.name}.{os.getpid()}.tmp")  # parts of one experiment may run at once
        tmp.write_text(yaml.safe_dump(current, sort_keys=False), encoding="utf-8")
        tmp.replace(saved_path)

    def prepare(self) -> None:
        from batcoder.experiment.world import prepare_world
        from batcoder.models.pretrain import pretrain

        self.world = prepare_world(self.config.world, self.output / "world", progress=self.progress)
        pretrain_config = dataclasses.replace(self.config.pretrain, corpus=str(self.world.pretrain_corpus))
        result = pretrain(pretrain_config, self.config.models_dir, progress=self.progress)
        self.base_model = result.model_dir
        self.pretrain_record = result.record
        verb = "reused" if result.cached else "trained"
        print(f"experiment: base model {verb}: {self.base_model} ({result.record['parameters']:,} parameters)", flush=True)

    def train_values(self, arm: Arm, seed: int, run_dir: Path) -> dict:
        """The `batcoder train` config values of ``arm``'s run with ``seed``."""
        values = with_overrides(self.config.train, arm.overrides)
        return with_overrides(values, {
            "model.path": str(self.base_model),
            "data.corpus": str(self.world.rl_corpus),
            "data.eval_corpus": str(self.world.rl_corpus),
            "run.seed": seed,
            "run.output_dir": str(run_dir),
            "run.threads": self.config.threads,
            "run.eval_every": self.config.eval.every,
        })

    def benchmarks(self) -> dict:
        if self._benchmarks is None:
            from batcoder.eval import get_benchmark

            self._benchmarks = {
                language: get_benchmark(f"world:{language}", self.world.benchmark_file(language))
                for language in self.config.eval.languages
            }
        return self._benchmarks

    def run_dir(self, arm: str, seed: int) -> Path:
        return self.output / "arms" / arm / f"seed-{seed}"

    # ---- measuring ---------------------------------------------------------------------------------
    def evaluate(self, model_dir: Path, run_dir: Path, step: int, seed: int, train_config, backtranslation: dict | None) -> dict:
        """Benchmark pass@k of ``model_dir`` at ``step``, appended to the run's evaluations."""
        from batcoder.experiment.evaluation import backtranslation_scores, benchmark_scores
        from batcoder.generation import get_backend
        from batcoder.models import load_model

        started = time.perf_counter()
        model, tokenizer = load_model(model_dir, device="cpu")
        backend = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=self.config.eval.batch_size)
        record = {"step": step}
        for language, benchmark in self.benchmarks().items():
            output = run_dir / "eval" / f"step-{step:04d}-{language}.jsonl"
            record[language] = benchmark_scores(backend, tokenizer, benchmark, self.config.eval, self.config.eval.seed + seed,
                                                output, prefill_signature=train_config.rollout.prefill_signature)
        if backtranslation is None:
            backtranslation = backtranslation_scores(model, tokenizer, train_config)
        record.update(backtranslation)
        record["time/eval"] = time.perf_counter() - started
        with (run_dir / EVALUATIONS).open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        summary = ", ".join(f"{language} pass@1 {record[language]['pass@1']:.3f}" for language in self.benchmarks())
        print(f"experiment: {run_dir.parent.name}/{run_dir.name} step {step}: {summary}, "
              f"back-translation {record['eval/backtranslation']:.3f}", flush=True)
        return record

    def evaluations(self, run_dir: Path) -> dict[int, dict]:
        from batcoder.rl.metrics import read_metrics

        return {record["step"]: record for record in read_metrics(run_dir / EVALUATIONS)}

    # ---- the arms ----------------------------------------------------------------------------------
    def run_arm(self, arm: Arm, seed: int, quiet: bool = False) -> dict:
        from batcoder.config import config_from_dict
        from batcoder.data.jsonl import write_json

        run_dir = self.run_dir(arm.name, seed)
        result_path = run_dir / RESULT
        if result_path.is_file():
            if not quiet:
                print(f"experiment: {arm.name} seed {seed}: finished earlier, skipped", flush=True)
            return json.loads(result_path.read_text(encoding="utf-8"))
        run_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        train_config = config_from_dict(self.train_values(arm, seed, run_dir / "train"))
        done = self.evaluations(run_dir)
        if arm.kind == "base":
            if 0 not in done:
                self.evaluate(self.base_model, run_dir, 0, seed, train_config, None)
        elif arm.kind == "sft":
            self.record_base(run_dir, seed, done)
            model_dir = self.run_sft(run_dir, seed, train_config)
            if train_config.run.steps not in done:
                self.evaluate(model_dir, run_dir, train_config.run.steps, seed, train_config, None)
        else:
            self.run_rl(run_dir, seed, train_config, done)
        evaluations = sorted(self.evaluations(run_dir).values(), key=lambda record: record["step"])
        result = {
            "experiment": self.config.name,
            "arm": arm.name,
            "kind": arm.kind,
            "description": arm.description,
            "seed": seed,
            "base_model": str(self.base_model),
            "languages": list(self.config.eval.languages),
            "evaluations": evaluations,
            "final": evaluations[-1],
            "seconds": round(time.perf_counter() - started, 1),
        }
        write_json(result_path, result)  # written last: marks the run finished
        return result

    def base_evaluation(self, seed: int) -> dict:
        """The base arm's evaluation for ``seed`` (step 0 of every trained arm of that seed)."""
        return self.run_arm(ARMS["base"], seed, quiet=True)["final"]

    def record_base(self, run_dir: Path, seed: int, done: dict) -> None:
        """Step 0 of a trained arm: the base arm's measurement of the same seed."""
        if 0 not in done:
            with (run_dir / EVALUATIONS).open("a", encoding="utf-8") as out:
                out.write(json.dumps(self.base_evaluation(seed)) + "\n")

    def run_rl(self, run_dir: Path, seed: int, train_config, done: dict) -> None:
        from batcoder.config import save_config
        from batcoder.training import train

        self.record_base(run_dir, seed, done)
        total, every = train_config.run.steps, self.config.eval.every
        targets = sorted({*range(every, total, every), total})
        for target in targets:
            if target in done:
                continue
            segment = dataclasses.replace(train_config, run=dataclasses.replace(train_config.run, steps=target))
            resume = (Path(segment.run.output_dir) / "config.yaml").is_file()
            result = train(segment, resume=resume)
            if not result.completed:
                raise UserError(f"{run_dir}: training stopped at step {result.steps_done}; rerun the experiment to resume")
            backtranslation = self.trainer_backtranslation(Path(segment.run.output_dir), target)
            self.evaluate(result.final_model, run_dir, target, seed, segment, backtranslation)
        save_config(train_config, run_dir / "train-config.yaml")

    @staticmethod
    def trainer_backtranslation(train_dir: Path, step: int) -> dict:
        """The held-out back-translation the trainer measured at ``step``."""
        from batcoder.rl.metrics import read_metrics

        for record in read_metrics(train_dir / "metrics.jsonl"):
            if record["step"] == step and "eval/backtranslation" in record:
                return {key: record[key] for key in ("eval/backtranslation", "eval/valid_rate", "eval/similarity")}
        raise UserError(f"{train_dir}: no held-out evaluation at step {step} in metrics.jsonl")

    def run_sft(self, run_dir: Path, seed: int, train_config) -> Path:
        """The SFT-on-synthetic-pairs baseline: the base documents the functions RL would see
        (a seeded sample as large as RL's steps x functions_per_step), keeps what the filter
        accepts, and trains on as many sequences as RL trains on."""
        from batcoder.data import read_corpus
        from batcoder.data.jsonl import write_json
        from batcoder.generation import load_generation_backend
        from batcoder.sft import SFTConfig, run_sft
        from batcoder.synthesize import synthesize_documentation

        model_dir = run_dir / "sft-model"
        if (model_dir / "config.json").is_file():
            return model_dir
        if (run_dir / "sft.json").is_file():  # decided earlier: nothing accepted, the base model stands
            return self.base_model
        data, rollout, steps = train_config.data, train_config.rollout, train_config.run.steps
        rows = [
            row for row in read_corpus(data.corpus, split=data.split)
            if (not data.language or row["language"] == data.language) and len(row["code"]) <= data.max_code_chars
        ][: data.max_functions]
        budget = steps * rollout.functions_per_step
        rows = random.Random(seed).sample(rows, min(budget, len(rows)))
        synthetic = run_dir / "synthetic.jsonl"
        backend, tokenizer = load_generation_backend(str(self.base_model), "cpu", self.config.eval.batch_size)
        try:
            synthesis = synthesize_documentation(
                backend, tokenizer, rows, synthetic, temperature=self.config.sft.synthesize_temperature,
                max_doc_tokens=rollout.max_doc_tokens, batch_size=self.config.eval.batch_size, seed=seed,
                progress=self.progress,
            )
        except ValueError as error:  # no documentation accepted: SFT has no data, the arm is the base model
            write_json(run_dir / "sft.json", {"functions": len(rows), "accepted": 0, "note": str(error)})
            print(f"experiment: sft seed {seed}: {error}; the arm keeps the base model", flush=True)
            return self.base_model
        rl_sequences = steps * rollout.functions_per_step * rollout.docs_per_function * 2
        settings = self.config.sft
        sft_config = SFTConfig(
            steps=settings.steps or math.ceil(rl_sequences / settings.batch_size), lr=settings.lr,
            batch_size=settings.batch_size, max_length=settings.max_length, give_signature=rollout.give_signature,
            split=data.split, seed=seed, warmup_steps=0,
        )
        result = run_sft(self.base_model, synthetic, model_dir, sft_config, device="cpu", progress=self.progress)
        write_json(run_dir / "sft.json", {
            "functions": synthesis.functions, "accepted": synthesis.kept, "rejected": synthesis.rejected,
            "examples": result.examples, "steps": sft_config.steps, "loss_before": result.loss_before, "loss_after": result.loss_after,
        })
        print(f"experiment: sft seed {seed}: {synthesis.kept}/{synthesis.functions} documentations accepted, "
              f"{result.examples} examples, {sft_config.steps} steps, loss {result.loss_before:.3f} -> {result.loss_after:.3f}", flush=True)
        return model_dir


def run_order(config: ExperimentConfig) -> list[tuple[str, int]]:
    """Every (arm, seed) of ``config`` in run order: per seed the base first (every trained arm's step 0)."""
    arms = ["base"] + [arm for arm in config.arms if arm != "base"]
    return [(arm, seed) for seed in config.seeds for arm in arms]


def run_experiment(config: ExperimentConfig, *, progress: bool = True, jobs: int = 1) -> Path:
    """Run every arm x seed not finished yet and write the report; returns the output directory.
    ``jobs > 1`` runs that many arm x seed runs at once, each in its own process."""
    import torch

    from batcoder.experiment.report import write_report

    experiment = Experiment(config, progress=progress)
    experiment.check_output_dir()
    experiment.prepare()  # the shared world and base model, alone: with torch's default threads (every core)
    torch.set_num_threads(config.threads)
    if jobs > 1:
        run_in_processes(experiment, jobs, progress=progress)
    else:
        for name, seed in run_order(config):
            experiment.run_arm(ARMS[name], seed)
    write_report([experiment.output], experiment.output, arms=config.arms)
    return experiment.output


def run_in_processes(experiment: Experiment, jobs: int, *, progress: bool = True) -> None:
    """The unfinished runs as ``batcoder experiment --arms A --seeds S`` processes on the resolved
    config (``experiment.yaml``), ``jobs`` at a time; a seed's trained arms start after its base.
    Each process's output goes to ``<run dir>/experiment.log``. A failed run does not stop the
    others; the failures are reported together at the end."""
    import subprocess
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    config = experiment.config
    pending = [(arm, seed) for arm, seed in run_order(config) if not (experiment.run_dir(arm, seed) / RESULT).is_file()]
    finished_bases = {seed for seed in config.seeds if (experiment.run_dir("base", seed) / RESULT).is_file()}
    running: dict[tuple[str, int], tuple[subprocess.Popen, Path]] = {}
    failed: list[str] = []
    failed_bases: set[int] = set()
    bar = Progress(TextColumn("experiment"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), console=Console(stderr=True), disable=not progress)
    with bar:
        task = bar.add_task("", total=len(pending))
        while pending or running:
            for run in list(pending):
                if len(running) >= jobs:
                    break
                arm, seed = run
                if arm != "base" and seed in failed_bases:
                    pending.remove(run)
                    failed.append(f"{arm} seed {seed}: not run, its seed's base failed")
                    bar.advance(task)
                elif arm == "base" or seed in finished_bases:
                    pending.remove(run)
                    log = experiment.run_dir(arm, seed) / "experiment.log"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    with log.open("a", encoding="utf-8") as out:
                        command = [sys.executable, "-m", "batcoder", "experiment", "--config", str(experiment.output / "experiment.yaml"),
                                   "--arms", arm, "--seeds", str(seed)]
                        quiet = {**os.environ, "TQDM_DISABLE": "1"}  # no progress bars in the logs
                        running[run] = (subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=quiet), log)
            bar.update(task, description=", ".join(f"{arm}/{seed}" for arm, seed in running))
            time.sleep(1)
            for run, (process, log) in list(running.items()):
                if process.poll() is None:
                    continue
                del running[run]
                bar.advance(task)
                arm, seed = run
                succeeded = process.returncode == 0 and (experiment.run_dir(arm, seed) / RESULT).is_file()
                if arm == "base":
                    (finished_bases if succeeded else failed_bases).add(seed)
                if not succeeded:
                    failed.append(f"{arm} seed {seed}: exit status {process.returncode}, log {log}")
    if failed:
        raise UserError(f"{len(failed)} run(s) failed: " + "; ".join(failed))
