"""BatCoder's two-stage back-translation rollout (rollout kind ``backtranslation``).

For each function c of a batch: sample K documentations d_k (code→doc prompt), check their format
(R_doc ∈ {0, 0.5, 1}, possibly rewritten), sample ONE reconstruction c'_k (doc→code prompt) per
accepted documentation, and score S(c, c'_k). Documentation trajectories (stage ``code2doc``) get
S·R_doc (0 when rejected), reconstruction trajectories (stage ``doc2code``) get S.

The batch is processed in chunks of functions: while the reconstructions of chunk i are scored in
worker processes, chunk i+1 is generated in the main process. Items are the comment-free functions
of ``data.corpus`` (:func:`batcoder.rollout.functions.load_functions`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from batcoder import docfilter, prompts
from batcoder.models import render_prompt
from batcoder.rollout.base import Rollout, RolloutStats, Trajectory, distribution
from batcoder.rollout.functions import CodeFunction, load_functions
from batcoder.rollout.rewards import assign_rewards
from batcoder.rollout.scoring import SimilarityScorer

CODE2DOC = "code2doc"
DOC2CODE = "doc2code"


@dataclass
class BackTranslationTrajectory(Trajectory):
    """A documentation (code2doc) or a reconstruction (doc2code) with what its reward was made of."""

    doc_score: float | None = None  # R_doc (code2doc trajectories)
    doc_reason: str = ""  # why the documentation got its R_doc
    similarity: float | None = None  # S(c, c') of the reconstruction this trajectory led to / is


@dataclass
class _PendingChunk:
    group_ids: list[int]
    doc_trajectories: list[list[BackTranslationTrajectory]]  # per function, K documentations
    code_trajectories: list[list[BackTranslationTrajectory | None]]  # per function, per documentation (None = rejected)
    scores: object  # Future of (similarities of the accepted documentations in order, seconds)


class BackTranslationRollout(Rollout):
    """Samples and scores the trajectories of a batch of functions with one generation backend."""

    name = "backtranslation"
    stages = (CODE2DOC, DOC2CODE)
    headline_metric = "eval/backtranslation"
    rate_metric = ("doc/valid_rate", "eval/valid_rate", "documentations accepted (R_doc > 0)")

    def __init__(self, backend, tokenizer, config):
        super().__init__(backend, tokenizer, config)
        settings = config.rollout
        self.docs_per_function = settings.docs_per_function
        self.temperature = settings.temperature
        self.top_p = settings.top_p
        self.max_doc_tokens = settings.max_doc_tokens
        self.max_code_tokens = settings.max_code_tokens
        self.give_signature = settings.give_signature
        self.prefill_signature = settings.prefill_signature
        self.chunk_functions = settings.chunk_functions
        self.scorer = SimilarityScorer(
            settings.similarity_metric, settings.reward_workers, timeout_s=settings.reward_timeout_s
        )

    @classmethod
    def load_items(cls, config, *, held_out: bool = False) -> tuple[list[CodeFunction], int]:
        return load_functions(config, held_out=held_out)

    def close(self) -> None:
        self.scorer.close()

    def _prompt(self, messages: list[dict]) -> str:
        return render_prompt(self.tokenizer, messages)

    def _generate(self, prompt_texts: list[str], n: int, max_new_tokens: int, seed: int, stats: RolloutStats):
        start = time.perf_counter()
        completions = self.backend.generate(
            prompt_texts, n=n, max_new_tokens=max_new_tokens, temperature=self.temperature, top_p=self.top_p, seed=seed
        )
        stats.generation_s += time.perf_counter() - start
        stats.generated_tokens += sum(len(c.completion_ids) for group in completions for c in group)
        return completions

    def _trajectory(self, stage: str, group_id: int, completion) -> BackTranslationTrajectory:
        return BackTranslationTrajectory(
            stage=stage,
            group_id=group_id,
            prompt_ids=list(completion.prompt_ids),
            response_ids=list(completion.completion_ids),
            text=completion.text,
            finish_reason=completion.finish_reason,
        )

    def _start_chunk(self, functions: list[CodeFunction], group_ids: list[int], seed: int, stats: RolloutStats) -> _PendingChunk:
        doc_prompts = [self._prompt(prompts.code_to_doc_messages(f.code, f.language)) for f in functions]
        doc_completions = self._generate(doc_prompts, self.docs_per_function, self.max_doc_tokens, seed, stats)

        doc_trajectories, accepted = [], []  # accepted: (function index, doc index, rewritten doc)
        start = time.perf_counter()
        for index, (function, samples) in enumerate(zip(functions, doc_completions)):
            trajectories = []
            for doc_index, completion in enumerate(samples):
                trajectory = self._trajectory(CODE2DOC, group_ids[index], completion)
                check = docfilter.check(completion.text, function.code, function.language)
                trajectory.doc_score, trajectory.doc_reason = float(check.score), check.reason
                stats.counts[check.reason] = stats.counts.get(check.reason, 0) + 1
                if check.score > 0:
                    accepted.append((index, doc_index, check.doc))
                trajectories.append(trajectory)
            doc_trajectories.append(trajectories)
        stats.reward_s += time.perf_counter() - start

        reply_starts = [
            prompts.code_reply_start(functions[index].language, functions[index].signature) if self.prefill_signature else ""
            for index, _, _ in accepted
        ]
        code_prompts = [
            self._prompt(
                prompts.doc_to_code_messages(
                    doc, functions[index].language, functions[index].signature if self.give_signature else None
                )
            ) + reply_start
            for (index, _, doc), reply_start in zip(accepted, reply_starts)
        ]
        code_completions = self._generate(code_prompts, 1, self.max_code_tokens, seed + 1, stats) if accepted else []

        code_trajectories: list[list[BackTranslationTrajectory | None]] = [[None] * len(samples) for samples in doc_completions]
        pairs = []
        for (index, doc_index, _), reply_start, (completion,) in zip(accepted, reply_starts, code_completions):
            function = functions[index]
            code_trajectories[index][doc_index] = self._trajectory(DOC2CODE, group_ids[index], completion)
            code = prompts.extract_code(reply_start + completion.text, function.language)
            pairs.append((function.code, code, function.language))
        return _PendingChunk(group_ids, doc_trajectories, code_trajectories, self.scorer.submit(pairs))

    def _finish_chunk(self, chunk: _PendingChunk, stats: RolloutStats) -> list[BackTranslationTrajectory]:
        start = time.perf_counter()
        similarities, compute_s, rescored = self.scorer.result(chunk.scores)
        stats.reward_s += time.perf_counter() - start
        stats.reward_overlapped_s += compute_s
        stats.rescored_batches += rescored

        scores = iter(similarities)
        trajectories = []
        for docs, codes in zip(chunk.doc_trajectories, chunk.code_trajectories):
            per_doc_similarity = [None if code is None else next(scores) for code in codes]
            doc_rewards, code_rewards = assign_rewards([doc.doc_score for doc in docs], per_doc_similarity)
            for doc, similarity, reward in zip(docs, per_doc_similarity, doc_rewards):
                doc.reward, doc.similarity = reward, similarity
                trajectories.append(doc)
            for code, reward in zip((c for c in codes if c is not None), code_rewards):
                code.reward = code.similarity = reward
                trajectories.append(code)
        return trajectories

    def run(self, functions: list[CodeFunction], group_ids: list[int], seed: int) -> tuple[list[BackTranslationTrajectory], RolloutStats]:
        """All trajectories of ``functions`` (group ids as given), scored; deterministic in ``seed``."""
        stats = RolloutStats()
        trajectories: list[BackTranslationTrajectory] = []
        pending: _PendingChunk | None = None
        for chunk_index, start in enumerate(range(0, len(functions), self.chunk_functions)):
            end = start + self.chunk_functions
            chunk = self._start_chunk(functions[start:end], group_ids[start:end], seed + 2 * chunk_index, stats)
            if pending is not None:  # scored while this chunk was generated
                trajectories.extend(self._finish_chunk(pending, stats))
            pending = chunk
        if pending is not None:
            trajectories.extend(self._finish_chunk(pending, stats))
        return trajectories, stats

    def metrics(self, trajectories: list[BackTranslationTrajectory]) -> dict[str, float]:
        docs = [t for t in trajectories if t.stage == CODE2DOC]
        codes = [t for t in trajectories if t.stage == DOC2CODE]
        documented = max(1, len(docs))
        return {
            **distribution("similarity", [t.reward for t in codes]),
            "doc/valid_rate": sum(t.doc_score > 0 for t in docs) / documented,
            **{f"doc/r_doc_{score:g}": sum(t.doc_score == score for t in docs) / documented for score in (0.0, 0.5, 1.0)},
            "length/doc_tokens": float(np.mean([len(t.response_ids) for t in docs])) if docs else 0.0,
            "length/code_tokens": float(np.mean([len(t.response_ids) for t in codes])) if codes else 0.0,
        }

    def evaluate(self, functions: list[CodeFunction], seeds: Sequence[int]) -> dict[str, float]:
        score = back_translation_score(self, functions, seeds)
        return {"eval/backtranslation": score.score, "eval/valid_rate": score.valid_rate, "eval/similarity": score.similarity}


ROLLOUT = BackTranslationRollout


@dataclass(frozen=True)
class BackTranslationScore:
    """How well a policy back-translates a set of functions, sampled as in training on fixed seeds."""

    score: float  # mean over documentations of S(c, c') of their reconstruction, 0 when rejected: E[S·1(R_doc>0)]
    valid_rate: float  # share of documentations with R_doc > 0
    similarity: float  # mean S over the accepted documentations (0 when none was accepted)
    documentations: int


def back_translation_score(rollout: BackTranslationRollout, functions: list[CodeFunction], seeds: Sequence[int]) -> BackTranslationScore:
    """Back-translate ``functions`` once per seed (the same seeds give the same samples for the same
    policy, so scores of two checkpoints differ by the policy, not by the draw)."""
    similarities, accepted = [], []
    for seed in seeds:
        trajectories, _ = rollout.run(functions, list(range(len(functions))), seed=seed)
        for doc in (t for t in trajectories if t.stage == CODE2DOC):
            accepted.append(doc.doc_score > 0)
            similarities.append(doc.similarity if doc.doc_score > 0 else 0.0)
    documentations = len(accepted)
    valid = sum(accepted)
    return BackTranslationScore(
        score=sum(similarities) / max(1, documentations),
        valid_rate=valid / max(1, documentations),
        similarity=sum(similarities) / max(1, valid),
        documentations=documentations,
    )
