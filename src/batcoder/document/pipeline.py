"""One function's documentation, verified by back-translation.

For each function c: sample K documentations with the RL code→doc prompt; the documentation filter
keeps those the RL reward would (R_doc > 0: leaks and bad formats never pass, in their rewritten
form); the model reconstructs code c' from each kept one with the doc→code prompt and c's
signature; S(c, c') is the similarity metric. The documentation with the highest S is the
function's, with its S and its reconstruction (ties: the higher R_doc, then the earlier sample).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from batcoder.config import check_device, setting
from batcoder.document.sources import Target, count


@dataclass
class DocumentConfig:
    """Settings of ``batcoder document`` (each one is also a flag)."""

    k: int = setting(4, "documentations sampled per function; the best-verified one is kept", check="positive")
    min_score: float = setting(0.5, "documentation whose reconstruction scores below this S is not written", check="non_negative")
    metric: str = setting("cssg", "similarity metric S(c, c') (see `batcoder similarity --help`)")
    temperature: float = setting(1.0, "sampling temperature of the documentations (the RL rollout's); 0 = greedy, K copies of one", check="non_negative")
    top_p: float = setting(1.0, "nucleus sampling threshold of the documentations", check="unit_interval")
    code_temperature: float = setting(0.0, "sampling temperature of the reconstructions; 0 = greedy (a repeatable check)", check="non_negative")
    max_doc_tokens: int = setting(256, "max new tokens of a documentation", check="positive")
    max_code_tokens: int = setting(384, "max new tokens of a reconstruction", check="positive")
    max_code_chars: int = setting(2000, "skip functions longer than this many characters", check="positive")
    batch_size: int = setting(32, "sequences per generation call", check="positive")
    seed: int = setting(0, "sampling seed")
    device: str | None = setting(None, "torch device (default: cuda if available, else cpu)")

    def __post_init__(self) -> None:
        from batcoder.errors import UserError
        from batcoder.similarity import available_metrics

        check_device(self.device, "config key 'device'")
        if self.metric not in available_metrics():
            raise UserError(f"config key 'metric': unknown {self.metric!r}; available: {', '.join(available_metrics())}")


@dataclass
class Outcome:
    """What the model's documentation of one function came to."""

    target: Target
    documentation: str | None = None  # the best-verified accepted documentation (the filter's form)
    doc_score: float | None = None  # its R_doc
    doc_reason: str = ""  # why it got that R_doc
    score: float | None = None  # S(c, c') of its reconstruction
    reconstruction: str | None = None  # c', the code reconstructed from it
    rendered: str | None = None  # the documentation as written in the file (set when the file is finished)
    accepted: int = 0  # documentations the filter accepted, of K
    rejections: dict[str, int] = field(default_factory=dict)  # the others, by the filter's reason


def document(backend, tokenizer, targets: Sequence[Target], config: DocumentConfig, seed: int) -> list[Outcome]:
    """The outcome of each target, in order (one call per stage for the whole list)."""
    from batcoder import docfilter, prompts
    from batcoder.models import render_prompt
    from batcoder.similarity import score_pairs

    def prompt(messages: list[dict]) -> str:
        return render_prompt(tokenizer, messages)

    language = [target.source.language.name for target in targets]
    doc_prompts = [prompt(prompts.code_to_doc_messages(target.code, name)) for target, name in zip(targets, language)]
    samples = backend.generate(
        doc_prompts, n=config.k, max_new_tokens=config.max_doc_tokens, temperature=config.temperature,
        top_p=config.top_p, seed=seed,
    )
    outcomes = [Outcome(target) for target in targets]
    accepted = []  # (target index, verdict)
    for index, (target, completions) in enumerate(zip(targets, samples)):
        for completion in completions:
            verdict = docfilter.check(completion.text, target.code, language[index])
            if verdict.score > 0:
                accepted.append((index, verdict))
                outcomes[index].accepted += 1
            else:
                count(outcomes[index].rejections, verdict.reason)
    if not accepted:
        return outcomes

    code_prompts = [
        prompt(prompts.doc_to_code_messages(verdict.doc, language[index], targets[index].signature))
        for index, verdict in accepted
    ]
    reconstructions = backend.generate(
        code_prompts, n=1, max_new_tokens=config.max_code_tokens, temperature=config.code_temperature, seed=seed + 1
    )
    codes = [prompts.extract_code(completion.text, language[index]) for (index, _), (completion,) in zip(accepted, reconstructions)]
    scores = score_pairs([(targets[index].code, code, language[index]) for (index, _), code in zip(accepted, codes)], metric=config.metric)
    for (index, verdict), code, score in zip(accepted, codes, scores):
        best = outcomes[index]
        if best.score is None or (score, verdict.score) > (best.score, best.doc_score):
            best.documentation, best.doc_score, best.doc_reason = verdict.doc, float(verdict.score), verdict.reason
            best.score, best.reconstruction = float(score), code
    return outcomes
