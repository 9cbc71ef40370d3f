"""``batcoder rerank iterate``: RewardRanker's self-training loop.

Round 0 samples ``iterate.candidates_per_problem`` candidates per training problem from the
generator, labels them by execution and trains the first reranker. Each later round:

1. **align**: the generator is trained by ``batcoder train`` with the ``rerank`` rollout kind
   (:mod:`batcoder.rollout.rerank`: reward = the current reranker's score of the generated solution,
   PPO-style clipped objective) for ``align.steps`` steps;
2. **sample**: the aligned generator draws fresh candidates for the training problems, executed in
   the sandbox;
3. **mine**: the failing candidates the current reranker scores above its problem's best passing
   one (or above the round's passing median) are the hard negatives
   (:func:`batcoder.rerank.mining.hard_negatives`); new ones are added to the training set;
4. **retrain**: a fresh reranker is trained on the grown set.

Every round ends with the held-out evaluation: the round's generator samples
``iterate.eval_candidates_per_problem`` candidates per held-out problem, and the table of
:mod:`batcoder.rerank.select` (``iterate.selectors``) is computed with the round's reranker, beside
the reranker's pairwise accuracy and the generator's own pass@1 (does alignment reward-hack it?).

Layout of ``iterate.output_dir``: ``round-<r>/`` holds ``candidates.jsonl`` (the training set after
the round), ``fresh.jsonl``, ``hard_negatives.jsonl``, ``generator/`` (the aligned model's run),
``reranker/`` (its training run; ``reranker/model`` the reranker), ``eval_candidates.jsonl`` and
``summary.json``; ``rounds.jsonl`` has one line per round. A round whose ``summary.json`` exists is
complete and is not redone: an interrupted loop continues where it stopped.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from batcoder.config import QUICKSTART_MODEL, check_device, load_config, setting
from batcoder.errors import UserError
from batcoder.rerank.config import RerankTrainConfig
from batcoder.rerank.mining import add_new, hard_negatives
from batcoder.rerank.select import SCORERS

SELECTOR_PARTS = ("reranker", *SCORERS)  # reranker = the round's


@dataclass
class GeneratorConfig:
    path: str = setting(QUICKSTART_MODEL, "the generator at round 0: local HF model directory or hub id", path=True)
    device: str | None = setting(None, "torch device; None picks cuda when available, else cpu")
    temperature: float = setting(0.8, "sampling temperature of the candidates", check="positive")
    top_p: float = setting(0.95, "nucleus sampling threshold of the candidates", check="unit_interval")
    max_new_tokens: int = setting(256, "max new tokens of a candidate", check="positive")
    batch_size: int = setting(16, "prompts per generation call", check="positive")
    prompt_style: Literal["completion", "chat", "documentation"] = setting(
        "completion", "completion (base models), chat (instruction-tuned) or documentation (the doc->code request of problems that have documentation, e.g. the code world's; alignment poses them the same way)"
    )
    prefill_signature: bool = setting(False, "with prompt_style documentation: open the reply with the code fence and the signature")

    def __post_init__(self) -> None:
        check_device(self.device, "config key 'generator.device'")
        if self.prefill_signature and self.prompt_style != "documentation":
            raise UserError("config key 'generator.prefill_signature': needs generator.prompt_style: documentation")


@dataclass
class ProblemsConfig:
    benchmark: str = setting("mbpp", "training problems: a `batcoder evaluate` benchmark spec")
    data: str | None = setting(None, "local JSONL of the training problems in the benchmark's schema", path=True)
    split: str | None = setting("train", "split of the training problems (benchmarks with splits)")
    limit: int | None = setting(None, "use the first N training problems", check="positive")
    eval_benchmark: str = setting("mbpp", "held-out problems: a benchmark spec")
    eval_data: str | None = setting(None, "local JSONL of the held-out problems", path=True)
    eval_split: str | None = setting("test", "split of the held-out problems")
    eval_limit: int | None = setting(None, "use the first N held-out problems", check="positive")


@dataclass
class LoopConfig:
    rounds: int = setting(2, "self-training rounds after round 0", check="non_negative")
    output_dir: str = setting("runs/rerank/iterate", "directory of the rounds", path=True)
    seed: int = setting(0, "seed of sampling, alignment and reranker training")
    candidates_per_problem: int = setting(8, "candidates per training problem per round", check="positive")
    eval_candidates_per_problem: int = setting(8, "N of best-of-N on the held-out problems", check="positive")
    initial_candidates: str | None = setting(None, "labelled candidates (`rerank sample`) to use as round 0's instead of sampling", path=True)
    selectors: str = setting("reranker,logprob,random", "comma-separated selectors of the held-out table (reranker = the round's; the oracle is always reported)")
    workers: int = setting(2, "programs run in parallel", check="positive")
    timeout_s: float | None = setting(None, "seconds per program; None = the benchmark's", check="positive")
    unsafe_no_isolation: bool = setting(False, "run without the sandbox when isolation is unavailable")

    def __post_init__(self) -> None:
        for name in self.selectors.split(","):
            if not set(name.split("+")) <= set(SELECTOR_PARTS):
                raise UserError(f"config key 'iterate.selectors': unknown selector {name!r}; parts: {', '.join(SELECTOR_PARTS)}")


@dataclass
class AlignConfig:
    config: str | None = setting(None, "`batcoder train` YAML with the RL settings (model, data, rollout kind and run paths are set per round)", path=True)
    steps: int = setting(20, "RL steps per round", check="positive")


@dataclass
class IterateConfig:
    generator: GeneratorConfig = field(default_factory=GeneratorConfig, metadata={"help": "the generator and its sampling"})
    problems: ProblemsConfig = field(default_factory=ProblemsConfig, metadata={"help": "training and held-out problems"})
    iterate: LoopConfig = field(default_factory=LoopConfig, metadata={"help": "rounds, sampling sizes, evaluation"})
    align: AlignConfig = field(default_factory=AlignConfig, metadata={"help": "RL alignment of the generator to the reranker"})
    reranker: RerankTrainConfig = field(default_factory=RerankTrainConfig, metadata={"help": "reranker training (data paths and output are set per round)"})


def load_iterate_config(path: str | Path | None, overrides: list[str] = ()) -> IterateConfig:
    return load_config(path, overrides, IterateConfig)


class Loop:
    """The state the rounds share: problems, the labelled training set, the paths of each round."""

    def __init__(self, config: IterateConfig):
        from batcoder.rerank.cli import load_problems

        self.config = config
        self.root = Path(config.iterate.output_dir)
        problems = config.problems
        self.benchmark, self.problems = load_problems(problems.benchmark, _path(problems.data), problems.split, problems.limit)
        self.eval_benchmark, self.eval_problems = load_problems(
            problems.eval_benchmark, _path(problems.eval_data), problems.eval_split, problems.eval_limit)
        if config.generator.prompt_style == "documentation":
            from batcoder.eval.sampling import first_undocumented

            for spec, chosen in ((problems.benchmark, self.problems), (problems.eval_benchmark, self.eval_problems)):
                undocumented = first_undocumented(chosen)
                if undocumented is not None:
                    raise UserError(f"config key 'generator.prompt_style': documentation, but problem {undocumented} "
                                    f"of {spec} has no documentation")
        shared = {problem.prompt for problem in self.problems} & {problem.prompt for problem in self.eval_problems}
        if shared:
            raise UserError(f"{len(shared)} held-out problems are also training problems: choose disjoint problems/eval sources")

    def round_dir(self, index: int) -> Path:
        return self.root / f"round-{index}"

    def sample(self, generator: str, benchmark, problems, n: int, seed: int) -> list[dict]:
        from batcoder.generation import load_generation_backend
        from batcoder.rerank.sample import sample_candidates

        gen, loop = self.config.generator, self.config.iterate
        backend, tokenizer = load_generation_backend(generator, gen.device, gen.batch_size)
        return sample_candidates(
            backend, benchmark, problems, n=n, temperature=gen.temperature, top_p=gen.top_p,
            max_new_tokens=gen.max_new_tokens, batch_size=gen.batch_size, seed=seed, prompt_style=gen.prompt_style,
            prefill_signature=gen.prefill_signature, tokenizer=tokenizer, workers=loop.workers, timeout_s=loop.timeout_s,
            unsafe_no_isolation=loop.unsafe_no_isolation,
        )

    def train_reranker(self, candidates: Path, eval_candidates: Path, output_dir: Path, seed: int) -> Path:
        from batcoder.rerank.train import train_reranker

        config = copy.deepcopy(self.config.reranker)
        config.data.candidates, config.data.eval_candidates = str(candidates), str(eval_candidates)
        config.run.output_dir, config.run.seed = str(output_dir), seed
        train_reranker(config, resume=(output_dir / "metrics.jsonl").exists())
        return output_dir / "model"

    def align(self, generator: str, reranker: Path, problems_file: Path, output_dir: Path, seed: int) -> str:
        from batcoder.config import load_config
        from batcoder.training import train

        gen = self.config.generator
        overrides = [f"model.path={generator}", f"data.corpus={problems_file}", "rollout.kind=rerank",
                     f"rollout.reward_model={reranker}", f"run.output_dir={output_dir}",
                     f"run.steps={self.config.align.steps}", f"run.seed={seed}", "run.eval_every=0"]
        if gen.prompt_style == "documentation":  # align on the requests the generator is sampled with
            overrides += ["rollout.problem_prompt=documentation", "rollout.give_signature=true",
                          f"rollout.prefill_signature={str(gen.prefill_signature).lower()}"]
        result = train(load_config(self.config.align.config, overrides), resume=(output_dir / "metrics.jsonl").exists())
        if result.final_model is None:
            raise UserError(f"alignment run {output_dir} stopped before its last step; rerun to continue it")
        return str(result.final_model)

    def evaluate(self, generator: str, reranker: Path, eval_file: Path, seed: int) -> dict:
        """The held-out table of the candidates in ``eval_file`` (drawn from ``generator``), with ``reranker``."""
        from batcoder.rerank.candidates import group_by_problem, read_candidates
        from batcoder.rerank.model import load_reranker
        from batcoder.rerank.select import build_scorers, candidate_groups, needs_generator, select_best
        from batcoder.rerank.train import evaluate_reranker

        rows = read_candidates(eval_file)
        groups = candidate_groups(rows)
        names = ["+".join(f"reranker:{reranker}" if part == "reranker" else part for part in name.split("+"))
                 for name in self.config.iterate.selectors.split(",")]
        generator_backend = None
        if needs_generator(names):
            from batcoder.generation import load_generation_backend

            generator_backend = load_generation_backend(generator, self.config.generator.device, self.config.generator.batch_size)
        report = select_best(groups, build_scorers(names, generator=generator_backend, device=self.config.reranker.model.device,
                                                   seed=seed, max_new_tokens=self.config.generator.max_new_tokens))
        report["selectors"] = {name.replace(f"reranker:{reranker}", "reranker"): value["pass@1"]
                               for name, value in report["selectors"].items()}
        held_out = evaluate_reranker(load_reranker(reranker, device=self.config.reranker.model.device), group_by_problem(rows))
        return {**report, "reranker_pairwise_accuracy": held_out.get("eval/pairwise_accuracy"),
                "reranker_auroc": held_out.get("eval/auroc")}


def _path(value: str | None) -> Path | None:
    return Path(value) if value is not None else None


def run_rounds(config: IterateConfig) -> list[dict]:
    """Run round 0 and ``iterate.rounds`` self-training rounds; returns one summary per round."""
    from batcoder.config import save_config
    from batcoder.data.jsonl import write_json
    from batcoder.eval.runner import write_jsonl
    from batcoder.rerank.candidates import read_candidates
    from batcoder.rerank.model import load_reranker
    from batcoder.rerank.train import candidate_triples

    loop = Loop(config)
    loop.root.mkdir(parents=True, exist_ok=True)
    save_config(config, loop.root / "config.yaml")
    seed = config.iterate.seed
    generator, summaries = config.generator.path, []
    for index in range(config.iterate.rounds + 1):
        round_dir = loop.round_dir(index)
        summary_file = round_dir / "summary.json"
        if summary_file.exists():
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
            generator, summaries = summary["generator"], summaries + [summary]
            print(f"round {index}: complete, kept ({summary_file})")
            continue
        round_dir.mkdir(parents=True, exist_ok=True)
        round_seed = seed + 1000 * index
        candidates_file = round_dir / "candidates.jsonl"
        found = added = None
        if index == 0:
            if config.iterate.initial_candidates is not None:
                rows = read_candidates(config.iterate.initial_candidates)
            else:
                rows = loop.sample(generator, loop.benchmark, loop.problems, config.iterate.candidates_per_problem, round_seed)
        else:
            previous = loop.round_dir(index - 1)
            reranker_dir = previous / "reranker" / "model"
            generator = loop.align(generator, reranker_dir, previous / "candidates.jsonl", round_dir / "generator", round_seed)
            fresh_file = round_dir / "fresh.jsonl"
            if not fresh_file.exists():
                write_jsonl(fresh_file, loop.sample(generator, loop.benchmark, loop.problems,
                                                    config.iterate.candidates_per_problem, round_seed))
            fresh = read_candidates(fresh_file)
            reranker = load_reranker(reranker_dir, device=config.reranker.model.device)
            scores = reranker.score(candidate_triples(fresh), config.reranker.run.score_batch_size)
            hard = [fresh[i] | {"score": scores[i], "round": index}
                    for i in hard_negatives([str(r["task_id"]) for r in fresh], [r["passed"] for r in fresh], scores)]
            rows = read_candidates(previous / "candidates.jsonl")
            new = add_new(rows, hard)
            write_jsonl(round_dir / "hard_negatives.jsonl", new)
            found, added, rows = len(hard), len(new), rows + new
        write_jsonl(candidates_file, rows)
        eval_file = round_dir / "eval_candidates.jsonl"
        if not eval_file.exists():
            write_jsonl(eval_file, loop.sample(generator, loop.eval_benchmark, loop.eval_problems,
                                               config.iterate.eval_candidates_per_problem, round_seed + 1))
        reranker_dir = loop.train_reranker(candidates_file, eval_file, round_dir / "reranker", round_seed)
        evaluation = loop.evaluate(generator, reranker_dir, eval_file, round_seed)
        summary = {"round": index, "generator": generator, "reranker": str(reranker_dir), "training_candidates": len(rows),
                   "hard_negatives_found": found, "hard_negatives_added": added,
                   "generator_pass@1": evaluation["single_sample_pass@1"], **evaluation}
        write_json(summary_file, summary)
        with (loop.root / "rounds.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(summary) + "\n")
        summaries.append(summary)
        print_round(summary)
    return summaries


def print_round(summary: dict) -> None:
    selectors = ", ".join(f"{name} {100 * value:.1f}%" for name, value in summary["selectors"].items())
    hard = "" if summary["hard_negatives_found"] is None else (
        f"hard negatives {summary['hard_negatives_found']} found, {summary['hard_negatives_added']} new; ")
    accuracy = summary["reranker_pairwise_accuracy"]
    print(f"round {summary['round']}: {hard}reranker pairwise accuracy "
          f"{'n/a' if accuracy is None else f'{accuracy:.3f}'}; generator pass@1 {100 * summary['generator_pass@1']:.1f}%; "
          f"best-of-{summary['candidates_per_problem']['max']}: {selectors}")
