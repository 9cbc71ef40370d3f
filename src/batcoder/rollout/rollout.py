"""Two-stage back-translation rollout (BatCoder).

For each function c of a batch: sample K documentations d_k (code→doc prompt), check their format
(R_doc ∈ {0, 0.5, 1}, possibly rewritten), sample ONE reconstruction c'_k (doc→code prompt) per
accepted documentation, and score S(c, c'_k). Documentation trajectories get S·R_doc (0 when
rejected), reconstruction trajectories get S.

The batch is processed in chunks of functions: while the reconstructions of chunk i are scored in
worker processes, chunk i+1 is generated in the main process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

from batcoder import docfilter, prompts
from batcoder.models import render_prompt
from batcoder.rollout.rewards import assign_rewards
from batcoder.rollout.scoring import SimilarityScorer

CODE2DOC = "code2doc"
DOC2CODE = "doc2code"


@dataclass(frozen=True)
class CodeFunction:
    """A function to back-translate: its comment-free code (shown to the policy, and the reference
    of S) and, for prompts that give it, its signature."""

    code: str
    language: str
    signature: str | None = None
    name: str = ""


@dataclass
class Trajectory:
    """One sampled response with its reward: a documentation (code2doc) or a reconstruction (doc2code)."""

    stage: str
    group_id: int  # the function it came from
    prompt_ids: list[int]
    response_ids: list[int]
    text: str
    finish_reason: str
    reward: float = 0.0
    doc_score: float | None = None  # R_doc (code2doc trajectories)
    doc_reason: str = ""  # why the documentation got its R_doc
    similarity: float | None = None  # S(c, c') of the reconstruction this trajectory led to / is


@dataclass
class RolloutStats:
    generation_s: float = 0.0  # main-process time spent generating
    reward_wait_s: float = 0.0  # main-process time spent waiting for similarity scores
    reward_compute_s: float = 0.0  # time the scorers spent (overlapped with generation)
    filter_s: float = 0.0  # time spent in the documentation filter
    generated_tokens: int = 0
    doc_reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: "RolloutStats") -> None:
        for name in ("generation_s", "reward_wait_s", "reward_compute_s", "filter_s", "generated_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, count in other.doc_reasons.items():
            self.doc_reasons[reason] = self.doc_reasons.get(reason, 0) + count


@dataclass
class _PendingChunk:
    group_ids: list[int]
    doc_trajectories: list[list[Trajectory]]  # per function, K documentations
    code_trajectories: list[list[Trajectory | None]]  # per function, per documentation (None = rejected)
    scores: object  # Future of (similarities of the accepted documentations in order, seconds)


class BackTranslationRollout:
    """Samples and scores the trajectories of a batch of functions with one generation backend."""

    def __init__(
        self,
        backend,
        tokenizer,
        scorer: SimilarityScorer,
        *,
        docs_per_function: int = 8,
        temperature: float = 1.0,
        top_p: float = 1.0,
        max_doc_tokens: int = 256,
        max_code_tokens: int = 384,
        give_signature: bool = False,
        chunk_functions: int = 4,
    ):
        self.backend = backend
        self.tokenizer = tokenizer
        self.scorer = scorer
        self.docs_per_function = docs_per_function
        self.temperature = temperature
        self.top_p = top_p
        self.max_doc_tokens = max_doc_tokens
        self.max_code_tokens = max_code_tokens
        self.give_signature = give_signature
        self.chunk_functions = chunk_functions

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

    def _trajectory(self, stage: str, group_id: int, completion) -> Trajectory:
        return Trajectory(
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
                stats.doc_reasons[check.reason] = stats.doc_reasons.get(check.reason, 0) + 1
                if check.score > 0:
                    accepted.append((index, doc_index, check.doc))
                trajectories.append(trajectory)
            doc_trajectories.append(trajectories)
        stats.filter_s += time.perf_counter() - start

        code_prompts = [
            self._prompt(
                prompts.doc_to_code_messages(
                    doc, functions[index].language, functions[index].signature if self.give_signature else None
                )
            )
            for index, _, doc in accepted
        ]
        code_completions = self._generate(code_prompts, 1, self.max_code_tokens, seed + 1, stats) if accepted else []

        code_trajectories: list[list[Trajectory | None]] = [[None] * len(samples) for samples in doc_completions]
        pairs = []
        for (index, doc_index, _), (completion,) in zip(accepted, code_completions):
            function = functions[index]
            code_trajectories[index][doc_index] = self._trajectory(DOC2CODE, group_ids[index], completion)
            pairs.append((function.code, prompts.extract_code(completion.text, function.language), function.language))
        return _PendingChunk(group_ids, doc_trajectories, code_trajectories, self.scorer.submit(pairs))

    def _finish_chunk(self, chunk: _PendingChunk, stats: RolloutStats) -> list[Trajectory]:
        start = time.perf_counter()
        similarities, compute_s = chunk.scores.result()
        stats.reward_wait_s += time.perf_counter() - start
        stats.reward_compute_s += compute_s

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

    def run(self, functions: list[CodeFunction], group_ids: list[int], seed: int) -> tuple[list[Trajectory], RolloutStats]:
        """All trajectories of ``functions`` (group ids as given), scored; deterministic in ``seed``."""
        stats = RolloutStats()
        trajectories: list[Trajectory] = []
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
