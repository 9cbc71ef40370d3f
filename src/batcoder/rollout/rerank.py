"""RewardRanker's alignment reward (rollout kind ``rerank``): the generator writes solutions to
problems and a trained reranker scores them.

Items are the problems of ``data.corpus``, a labelled candidates file (``batcoder rerank sample``;
each problem once, with its prompt, language and stop sequences; held-out: ``data.eval_corpus``).
Per problem ``rollout.docs_per_function`` (K) solutions are sampled (at most
``rollout.max_code_tokens`` tokens): with ``rollout.problem_prompt: completion`` continuations of its
prompt (the problem's stop sequences), with ``documentation`` replies to the doc->code request for the
problem's documentation (``rollout.prefill_signature`` opening them with the signature), as
``batcoder evaluate --prompt-style documentation`` samples them. Each solution's reward is the
reranker's score of (prompt, completion) (:mod:`batcoder.rerank.model`, loaded from
``rollout.reward_model``) -- a reply is scored as the completion it runs as, the form the reranker
was trained on. Nothing is executed: the reranker stands in for the tests, which is what
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
    documentation: str | None = None
    signature: str | None = None


def load_problem_items(path: str, limit: int | None, *, need_documentation: bool = False) -> list[ProblemItem]:
    """One item per task id of a candidates file, in first-seen order."""
    from batcoder.rerank.candidates import group_by_problem, read_candidates

    items = [ProblemItem(task_id, rows[0]["prompt"], rows[0]["language"], tuple(rows[0].get("stop") or ()),
                         rows[0].get("documentation"), rows[0].get("signature"))
             for task_id, rows in group_by_problem(read_candidates(path)).items()]
    if need_documentation:
        missing = [item.task_id for item in items if not isinstance(item.documentation, str)]
        if missing:
            raise UserError(f"{path}: problem {missing[0]} has no documentation (rollout.problem_prompt: documentation "
                            "needs candidates of problems that have one, e.g. the code world's)")
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
        need_documentation = config.rollout.problem_prompt == "documentation"
        if held_out:
            if config.data.eval_corpus is None:
                return [], 0
            return load_problem_items(config.data.eval_corpus, config.data.eval_functions, need_documentation=need_documentation), 0
        return load_problem_items(config.data.corpus, config.data.max_functions, need_documentation=need_documentation), 0

    def request(self, item: ProblemItem) -> tuple[str, str, tuple[str, ...]]:
        """The prompt the generator sees for ``item``, its reply's prefilled start and the stop sequences."""
        from batcoder.eval.sampling import documentation_request

        if self.config.rollout.problem_prompt == "completion":
            return item.prompt, "", item.stop
        prompt, reply_start = documentation_request(self.tokenizer, item.prompt, item.language, item.documentation,
                                                    item.signature, self.config.rollout.prefill_signature)
        return prompt, reply_start, ()  # a reply ends where the model ends it

    def run(self, items: list[ProblemItem], group_ids: list[int], seed: int) -> tuple[list[Trajectory], RolloutStats]:
        from batcoder.eval.sampling import completion_of_reply

        settings, stats = self.config.rollout, RolloutStats()
        requests = [self.request(item) for item in items]
        trajectories: list[Trajectory] = []
        start = time.perf_counter()
        # One generate call per set of stop sequences (benchmarks may differ per problem).
        for stop in dict.fromkeys(stop for _, _, stop in requests):
            chosen = [index for index, request in enumerate(requests) if request[2] == stop]
            outputs = self.backend.generate(
                [requests[index][0] for index in chosen], n=settings.docs_per_function, max_new_tokens=settings.max_code_tokens,
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
        by_group = {group_ids[index]: (item, requests[index][1]) for index, item in enumerate(items)}

        def candidate(trajectory: Trajectory) -> tuple[str, str, str]:
            item, reply_start = by_group[trajectory.group_id]
            if settings.problem_prompt == "completion":
                return item.prompt, trajectory.text, item.language
            return item.prompt, completion_of_reply(item.prompt, item.language, reply_start + trajectory.text), item.language

        scores = self.reranker.score([candidate(t) for t in trajectories])
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
