"""Best-of-N selection: score each problem's N candidates, keep the top one, report its pass@1.

Selectors (``batcoder evaluate --select S``, repeatable):

* ``reranker:PATH``: the trained reranker's score (:mod:`batcoder.rerank.model`);
* ``logprob``: the generator's mean token log-probability of what it wrote given what it was asked
  (the completion after the prompt; for chat and documentation-style samples, the reply after the
  request), computed with one forward pass (engines need not return log-probs);
* ``random``: a uniformly random candidate (seeded);
* ``roundtrip``: test-free, from BatCoder's own machinery. The generator documents each candidate
  (:func:`batcoder.prompts.code_to_doc_messages`, greedy), writes code back from that documentation
  alone (:func:`batcoder.prompts.doc_to_code_messages`, with the candidate's signature), and the
  candidate most similar (CSSG) to its own reconstruction wins: code whose meaning survives a round
  trip through prose is more likely to be coherent;
* ``agreement``: test-free, by execution (MBR-exec, Shi et al. 2022; CodeT's dual agreement without
  its generated tests). Every candidate runs in the sandbox on one set of inputs generated from the
  problem's signature (:func:`batcoder.similarity.metrics.exec.shared_behaviour`; never the
  problem's tests), and a candidate scores the mean share of inputs on which it returns what each
  other candidate returns: the behaviour most candidates converge on wins. A candidate that fails on
  an input agrees with no one there; a problem none of whose candidates has a signature the exec
  metric can read scores 0 throughout (its earliest candidate, as good as a random one);
* ``reranker:PATH+roundtrip`` (any ``+`` of reranker, logprob, roundtrip and agreement): the sum of
  the scores, each standardised within the problem;
* ``oracle``: a passing candidate whenever there is one (pass@N, the ceiling).

Ties go to the earliest candidate. The report compares every pick with a single sample's pass@1
(the mean pass rate) and the oracle.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from statistics import fmean, pstdev
from typing import Callable, Sequence

from batcoder.errors import UserError

SCORERS = ("logprob", "random", "roundtrip", "agreement", "oracle")  # the selectors besides reranker:PATH
NAMES = ("reranker:PATH", "logprob", "random", "roundtrip", "agreement", "reranker:PATH+roundtrip", "oracle")
NEEDS_GENERATOR = ("logprob", "roundtrip")


@dataclass(frozen=True)
class Candidate:
    """One candidate of one problem, as the selectors see it."""

    prompt: str  # the problem's prompt
    completion: str  # what the generator wrote after it
    language: str
    passed: bool  # only the oracle looks at this
    request: str | None = None  # chat / documentation style: the generator's exact prompt ...
    reply: str | None = None  # ... and its exact output (the completion was assembled from it)

    def generated(self) -> tuple[str, str]:
        """``(what the generator was given, what it wrote)``."""
        return (self.request, self.reply) if self.request is not None and self.reply is not None else (self.prompt, self.completion)


Scorer = Callable[[Sequence[Sequence[Candidate]]], list[list[float]]]


def pick(scores: Sequence[float]) -> int:
    """Index of the highest score, the earliest on a tie."""
    if not scores:
        raise ValueError("no candidates to pick from")
    return max(range(len(scores)), key=lambda index: (scores[index], -index))


def standardise(scores: Sequence[float]) -> list[float]:
    """Scores shifted to mean 0 and scaled to standard deviation 1 (all 0 when they are equal)."""
    mean, spread = fmean(scores), pstdev(scores)
    return [(score - mean) / spread if spread > 0 else 0.0 for score in scores]


def oracle_scores(groups: Sequence[Sequence[Candidate]]) -> list[list[float]]:
    return [[float(candidate.passed) for candidate in group] for group in groups]


def random_scorer(seed: int) -> Scorer:
    def scores(groups):
        rng = random.Random(seed)
        return [[rng.random() for _ in group] for group in groups]

    return scores


def reranker_scorer(reranker, batch_size: int = 16) -> Scorer:
    def scores(groups):
        flat = reranker.score([(c.prompt, c.completion, c.language) for group in groups for c in group], batch_size)
        return _regroup(flat, groups)

    return scores


def mean_log_probs(model, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 8) -> list[float]:
    """Mean log-probability per completion token of each ``(prompt, completion)``, by a forward pass
    over prompt + completion (a completion with no tokens scores ``-inf``)."""
    import torch

    from batcoder.models.prompting import encode_prompt
    from batcoder.training.logprobs import response_log_probs

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    results: list[float] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(pairs), batch_size):
            sequences, prompt_lengths = [], []
            for prompt, completion in pairs[start : start + batch_size]:
                prompt_ids = encode_prompt(tokenizer, prompt)
                sequences.append(prompt_ids + tokenizer(completion, add_special_tokens=False)["input_ids"])
                prompt_lengths.append(len(prompt_ids))
            width = max(map(len, sequences))
            input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids in sequences], device=model.device)
            attention = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids in sequences], device=model.device)
            # column t predicts token t + 1: the completion's tokens are predicted from prompt_length - 1 on
            action = torch.tensor([[prompt_length - 1 <= t < len(ids) - 1 for t in range(width - 1)]
                                   for ids, prompt_length in zip(sequences, prompt_lengths)], device=model.device)
            with torch.no_grad():
                log_probs = response_log_probs(model, input_ids, attention, action)
            for row_log_probs, row_action in zip(log_probs, action):
                count = int(row_action.sum())
                results.append(row_log_probs.sum().item() / count if count else float("-inf"))
    finally:
        model.train(was_training)
    return results


def logprob_scorer(model, tokenizer) -> Scorer:
    def scores(groups):
        return _regroup(mean_log_probs(model, tokenizer, [c.generated() for g in groups for c in g]), groups)

    return scores


def candidate_code(candidate: Candidate) -> str:
    """The candidate's program without comments and docstrings (the problem statement an MBPP-style
    prompt carries is not the candidate's to document); as written when it does not parse."""
    from batcoder.languages import get_language
    from batcoder.rerank.model import rerank_text

    program = rerank_text(candidate.prompt, candidate.completion)
    language = get_language(candidate.language)
    if not language.is_valid(program):
        return program.strip()
    return language.strip_comments(program).strip()


def roundtrip_scorer(backend, tokenizer, *, max_doc_tokens: int = 256, max_code_tokens: int = 384,
                     metric: str = "cssg", seed: int = 0) -> Scorer:
    """Greedy code → doc → code with ``backend``; score = similarity(candidate, reconstruction)."""
    from batcoder.models import render_prompt
    from batcoder.prompts import code_to_doc_messages, doc_to_code_messages, extract_code, signature_of
    from batcoder.similarity import score_pairs

    def scores(groups):
        flat = [candidate for group in groups for candidate in group]
        codes = [candidate_code(candidate) for candidate in flat]
        doc_prompts = [render_prompt(tokenizer, code_to_doc_messages(code, c.language)) for code, c in zip(codes, flat)]
        docs = [out[0].text for out in backend.generate(doc_prompts, n=1, max_new_tokens=max_doc_tokens, temperature=0.0, seed=seed)]
        code_prompts = [
            render_prompt(tokenizer, doc_to_code_messages(doc, c.language, signature_of(code, c.language)))
            for doc, code, c in zip(docs, codes, flat)
        ]
        outputs = backend.generate(code_prompts, n=1, max_new_tokens=max_code_tokens, temperature=0.0, seed=seed)
        rebuilt = [extract_code(out[0].text, c.language) for out, c in zip(outputs, flat)]
        similarities = score_pairs([(code, again, c.language) for code, again, c in zip(codes, rebuilt, flat)], metric)
        return _regroup(similarities, groups)

    return scores


def agreement(outputs: Sequence[Sequence[str | None]]) -> list[float]:
    """Per program, the mean over the other programs of the share of inputs on which both returned
    the same output (a failure, ``None``, matches nothing); 0 for a program alone."""
    def shared(mine, theirs) -> float:
        return sum(a is not None and a == b for a, b in zip(mine, theirs)) / len(mine) if mine else 0.0

    others = len(outputs) - 1
    return [sum(shared(mine, theirs) for j, theirs in enumerate(outputs) if j != i) / others if others else 0.0
            for i, mine in enumerate(outputs)]


def agreement_scores(groups: Sequence[Sequence[Candidate]]) -> list[list[float]]:
    from batcoder.rerank.model import rerank_text
    from batcoder.similarity.metrics.exec import shared_behaviour

    scores = []
    for group in groups:
        outputs = shared_behaviour([rerank_text(c.prompt, c.completion) for c in group], group[0].language) if group else []
        scores.append([0.0] * len(group) if isinstance(outputs, str) else agreement(outputs))
    return scores


def combined_scorer(*scorers: Scorer) -> Scorer:
    """The sum of several scorers' within-problem standardised scores."""
    def scores(groups):
        parts = [scorer(groups) for scorer in scorers]
        return [[sum(values) for values in zip(*(standardise(part[index]) for part in parts))] for index in range(len(groups))]

    return scores


def _regroup(flat: Sequence[float], groups: Sequence[Sequence]) -> list[list[float]]:
    out, start = [], 0
    for group in groups:
        out.append(list(flat[start : start + len(group)]))
        start += len(group)
    return out


def check_selectors(names: Sequence[str], model: str | None) -> None:
    """Refuse unknown selectors, and generator-based ones without ``--model``, before any work."""
    from pathlib import Path

    from batcoder.rerank.model import is_reranker_dir

    for name in names:
        parts = name.split("+")
        if len(parts) > 1 and any(part in ("oracle", "random") for part in parts):
            raise UserError(f"--select {name!r}: only reranker, logprob, roundtrip and agreement scores can be combined")
        for part in parts:
            if part.startswith("reranker:"):
                path = Path(part.removeprefix("reranker:"))
                if not is_reranker_dir(path):
                    raise UserError(f"--select {name}: {path} is not a reranker directory (from `batcoder rerank train`)")
            elif part not in SCORERS:
                raise UserError(f"--select {name!r}: unknown selector; available: {', '.join(NAMES)}")
            if part in NEEDS_GENERATOR and model is None:
                raise UserError(f"--select {part} scores with the generator: give --model (or --selector-model)")


def needs_generator(names: Sequence[str]) -> bool:
    """Whether any of the selector ``names`` (combinations included) scores with the generator."""
    return any(part in NEEDS_GENERATOR for name in names for part in name.split("+"))


def build_scorers(names: Sequence[str], *, generator=None, device=None, seed: int = 0,
                  max_new_tokens: int | None = None) -> dict[str, Scorer]:
    """Scorers for the ``--select`` names; ``generator`` is ``(backend, tokenizer)`` for logprob/roundtrip;
    ``max_new_tokens`` (the candidates' own limit) bounds roundtrip's documentation and code."""
    from batcoder.rerank.model import load_reranker

    def one(part: str) -> Scorer:
        if part == "oracle":
            return oracle_scores
        if part == "random":
            return random_scorer(seed)
        if part == "agreement":
            return agreement_scores
        if part == "logprob":
            return logprob_scorer(generator[0].model, generator[1])
        if part == "roundtrip":
            limits = {} if max_new_tokens is None else {"max_doc_tokens": max_new_tokens, "max_code_tokens": max_new_tokens}
            return roundtrip_scorer(*generator, seed=seed, **limits)
        return reranker_scorer(load_reranker(part.removeprefix("reranker:"), device=device))

    return {name: (combined_scorer(*map(one, name.split("+"))) if "+" in name else one(name)) for name in names}


def select_best(groups: Sequence[Sequence[Candidate]], scorers: dict[str, Scorer]) -> dict:
    """Per selector: each problem's pick and the pass@1 of the picks; plus a single sample's pass@1
    (the mean pass rate) and the oracle pass@N, for comparison."""
    report = {
        "problems": len(groups),
        "candidates_per_problem": {"min": min(map(len, groups)), "max": max(map(len, groups))},
        "single_sample_pass@1": fmean(fmean(c.passed for c in group) for group in groups),
        "oracle_pass@n": fmean(any(c.passed for c in group) for group in groups),
        "selectors": {},
    }
    for name, scorer in scorers.items():
        scores = scorer(groups)
        picks = [pick(problem_scores) for problem_scores in scores]
        report["selectors"][name] = {
            "pass@1": fmean(group[index].passed for group, index in zip(groups, picks)),
            "picks": picks,
        }
    return report


def _candidate(row: dict, prompt: str, language: str) -> Candidate:
    """The candidate of a candidate or result row, for a problem with ``prompt`` in ``language``."""
    return Candidate(prompt, row["completion"], language, bool(row["passed"]), row.get("request"), row.get("reply"))


def candidate_groups(rows: Sequence[dict]) -> list[list[Candidate]]:
    """Candidates per problem from labelled candidate rows (:mod:`batcoder.rerank.candidates`)."""
    from batcoder.rerank.candidates import group_by_problem

    return [[_candidate(row, row["prompt"], row["language"]) for row in group] for group in group_by_problem(rows).values()]


def groups_from_results(benchmark, rows: Sequence[dict]) -> tuple[list[str], list[list[Candidate]]]:
    """Task ids and candidates per problem from evaluation result rows (``task_id``, ``completion``, ``passed``)."""
    from batcoder.rerank.candidates import group_by_problem

    problems = benchmark.problems()
    grouped = group_by_problem(rows)
    groups = [
        [_candidate(row, problems[task_id].prompt, problems[task_id].language) for row in group]
        for task_id, group in grouped.items()
    ]
    return list(grouped), groups


def report_selection(args, benchmark) -> dict:
    """``batcoder evaluate --select``: read the run's results, select with each selector, print the
    table and write ``<results>.selection.json`` beside them."""
    from batcoder.data.jsonl import write_json
    from batcoder.eval.base import read_jsonl_rows
    from batcoder.eval.runner import summary_path

    rows = [row for _, row in read_jsonl_rows(args.output)]
    task_ids, groups = groups_from_results(benchmark, rows)
    generator = None
    if needs_generator(args.select):
        from batcoder.generation import load_generation_backend

        generator = load_generation_backend(args.selector_model or args.model, args.device, args.batch_size)
    report = select_best(groups, build_scorers(args.select, generator=generator, device=args.device, seed=args.seed,
                                                max_new_tokens=args.max_new_tokens))
    report.update(benchmark=benchmark.spec, task_ids=task_ids, seed=args.seed, results_file=str(args.output))
    path = summary_path(args.output).with_name(summary_path(args.output).name.replace(".summary.json", ".selection.json"))
    write_json(path, report)
    print_selection_table(report)
    print(f"wrote {path}")
    return report


def print_selection_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    n = report["candidates_per_problem"]
    table = Table(title=f"best-of-{n['max']} selection, {report['problems']} problems")
    table.add_column("selector")
    table.add_column("pass@1 of the pick", justify="right")
    table.add_row("single sample (pass@1)", f"{100 * report['single_sample_pass@1']:.2f}%")
    for name, result in report["selectors"].items():
        table.add_row(name, f"{100 * result['pass@1']:.2f}%")
    table.add_row(f"oracle (pass@{n['max']})", f"{100 * report['oracle_pass@n']:.2f}%")
    Console().print(table)
