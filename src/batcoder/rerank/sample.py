"""``batcoder rerank sample``'s work: draw candidates with a generator and label them by execution.

Candidates are generated with :func:`batcoder.eval.sampling.generate_samples` and run by the
evaluation runner (:func:`batcoder.eval.runner.run_samples`, the sandbox pool), so a candidate is
labelled exactly as ``batcoder evaluate`` would judge it.
"""

from __future__ import annotations

from typing import Sequence

from batcoder.eval.base import Benchmark, Problem
from batcoder.rerank.candidates import label_rows


def label_samples(
    benchmark: Benchmark, samples: Sequence[dict], *, workers: int, timeout_s: float | None = None,
    unsafe_no_isolation: bool = False, show_progress: bool = True,
) -> list[dict]:
    """Candidate rows (:mod:`batcoder.rerank.candidates`) for samples (``task_id``, ``completion``)."""
    from batcoder.eval.runner import Sample, run_samples

    rows = run_samples(
        benchmark,
        [Sample(row=dict(sample), task_id=str(sample["task_id"]), completion=sample["completion"]) for sample in samples],
        workers=workers,
        timeout_s=benchmark.default_timeout_s if timeout_s is None else timeout_s,
        unsafe_no_isolation=unsafe_no_isolation,
        show_progress=show_progress,
    )
    return label_rows(benchmark, rows)


def sample_candidates(
    backend, benchmark: Benchmark, problems: Sequence[Problem], *, n: int, temperature: float, top_p: float = 1.0,
    max_new_tokens: int = 512, batch_size: int = 8, seed: int = 0, prompt_style: str = "completion", tokenizer=None,
    prefill_signature: bool = False, workers: int = 1, timeout_s: float | None = None, unsafe_no_isolation: bool = False,
    show_progress: bool = True,
) -> list[dict]:
    """``n`` labelled candidates per problem drawn from ``backend``, grouped by problem."""
    from batcoder.eval.sampling import generate_samples

    samples = generate_samples(
        backend, benchmark, problems, prompt_style=prompt_style, tokenizer=tokenizer, n=n,
        max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, batch_size=batch_size, seed=seed,
        show_progress=show_progress, prefill_signature=prefill_signature,
    )
    return label_samples(benchmark, samples, workers=workers, timeout_s=timeout_s,
                         unsafe_no_isolation=unsafe_no_isolation, show_progress=show_progress)
