"""RewardRanker's alignment reward (rollout kind ``rerank``): the generator writes solutions to
problems and a trained reranker scores them.

Items are the problems of ``data.corpus``, a labelled candidates file (``batcoder rerank sample``;
each problem once, with its prompt, language and stop sequences; held-out: ``data.eval_corpus``).
Per problem ``rollout.docs_per_function`` (K) completions of its prompt are sampled (at most
``rollout.max_code_tokens`` tokens, the problem's stop sequences); each completion's reward is the
reranker's score of (prompt, completion) (:mod:`batcoder.rerank.model`, loaded from
``rollout.reward_model``). Nothing is executed: the reranker stands in for the tests, which is what
lets alignment reward-hack it and what hard-negative mining then repairs
(:mod:`batcoder.rerank.iterate`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

from batcoder.errors import UserError
from batcoder.rollout.base import Rollout, RolloutStats, Trajectory

SOLUTION = "solution"


@dataclass(frozen=True)
class ProblemItem:
    task_id: str
    prompt: str
    language: str
    stop: tuple[str, ...]


def load_problem_items(path: str, limit: int | None) -> list[ProblemItem]:
    """One item per task id of a candidates file, in first-seen order."""
    from batcoder.rerank.candidates import group_by_problem, read_candidates

    items = [ProblemItem(task_id, rows[0]["prompt"], rows[0]["language"], tuple(rows[0].get("stop") or ()))
             for task_id, rows in group_by_problem(read_candidates(path)).items()]
    return items[:limit]


class RerankRollout(Rollout):
    name = "rerank"
    stages = (SOLUTION,)
    headline_metric = "eval/reranker_score"

    def __init__(self, backend, tokenizer, config):
        from batcoder.errors import first_line
        from batcoder.rerank.model import load_reranker

        super().__init__(backend, tokenizer, config)
        if config.rollout.reward_model is None:
            raise UserError("config key 'rollout.reward_model': rollout kind rerank needs a reranker directory (`batcoder rerank train`)")
        try:
            self.reranker = load_reranker(config.rollout.reward_model, device=config.model.device)
        except (OSError, ValueError) as error:
            raise UserError(f"config key 'rollout.reward_model': {first_line(error)}") from None

    @classmethod
    def load_items(cls, config, *, held_out: bool = False) -> tuple[list[ProblemItem], int]:
        if held_out:
            if config.data.eval_corpus is None:
                return [], 0
            return load_problem_items(config.data.eval_corpus, config.data.eval_functions), 0
        return load_problem_items(config.data.corpus, config.data.max_functions), 0

    def run(self, items: list[ProblemItem], group_ids: list[int], seed: int) -> tuple[list[Trajectory], RolloutStats]:
        settings, stats = self.config.rollout, RolloutStats()
        trajectories: list[Trajectory] = []
        start = time.perf_counter()
        # One generate call per set of stop sequences (benchmarks may differ per problem).
        for stop in dict.fromkeys(item.stop for item in items):
            chosen = [index for index, item in enumerate(items) if item.stop == stop]
            outputs = self.backend.generate(
                [items[index].prompt for index in chosen], n=settings.docs_per_function, max_new_tokens=settings.max_code_tokens,
                temperature=settings.temperature, top_p=settings.top_p, stop=stop, seed=seed,
            )
            for index, completions in zip(chosen, outputs):
                trajectories.extend(
                    Trajectory(stage=SOLUTION, group_id=group_ids[index], prompt_ids=list(c.prompt_ids),
                               response_ids=list(c.completion_ids), text=c.text, finish_reason=c.finish_reason)
                    for c in completions
                )
                stats.generated_tokens += sum(len(c.completion_ids) for c in completions)
        stats.generation_s = time.perf_counter() - start
        start = time.perf_counter()
        prompts = {group_ids[index]: item.prompt for index, item in enumerate(items)}
        scores = self.reranker.score([(prompts[t.group_id], t.text) for t in trajectories])
        for trajectory, score in zip(trajectories, scores):
            trajectory.reward = score
        stats.reward_s = time.perf_counter() - start
        return trajectories, stats

    def metrics(self, trajectories: list[Trajectory]) -> dict[str, float]:
        lengths = [len(t.response_ids) for t in trajectories]
        return {"solution/mean_tokens": sum(lengths) / len(lengths)} if lengths else {}

    def evaluate(self, items: list[ProblemItem], seeds: Sequence[int]) -> dict[str, float]:
        rewards = [t.reward for seed in seeds for t in self.run(items, list(range(len(items))), seed)[0]]
        return {"eval/reranker_score": sum(rewards) / len(rewards)} if rewards else {}


ROLLOUT = RerankRollout
