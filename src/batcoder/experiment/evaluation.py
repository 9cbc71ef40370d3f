"""What the experiment measures on one model: pass@k on the held-out benchmark of each language, and
the held-out back-translation score.

Benchmark samples are written from documentation with the RL's doc->code prompt
(``batcoder evaluate --prompt-style documentation``): the skill BatCoder trains. Identical
(problem, completion) samples run once (a small model repeats itself); every sample keeps its
verdict, so pass@k is unchanged.
"""

from __future__ import annotations

from pathlib import Path

from batcoder.experiment.config import EvalSettings


def benchmark_scores(backend, tokenizer, benchmark, settings: EvalSettings, seed: int, output: Path,
                     prefill_signature: bool = False) -> dict:
    """pass@k of the model behind ``backend`` on ``benchmark``; samples and verdicts go to ``output``
    (JSONL) and the summary beside it. ``prefill_signature`` prompts as the RL's rollout does."""
    from batcoder.data.jsonl import write_json
    from batcoder.eval.runner import Sample, run_samples, summarize, summary_path, write_jsonl
    from batcoder.eval.sampling import generate_samples

    problems = list(benchmark.problems().values())[: settings.problems]
    samples = generate_samples(
        backend, benchmark, problems, prompt_style="documentation", tokenizer=tokenizer, n=settings.samples,
        max_new_tokens=settings.max_new_tokens, temperature=settings.temperature, top_p=settings.top_p,
        batch_size=settings.batch_size, seed=seed, show_progress=False, prefill_signature=prefill_signature,
    )
    unique: dict[tuple[str, str], Sample] = {}
    for sample in samples:
        unique.setdefault((sample["task_id"], sample["completion"]), Sample(sample, sample["task_id"], sample["completion"]))
    verdicts = run_samples(benchmark, list(unique.values()), workers=settings.workers, timeout_s=settings.timeout_s, show_progress=False)
    verdict_of = {(row["task_id"], row["completion"]): (row["passed"], row["result"]) for row in verdicts}
    rows = []
    for sample in samples:
        passed, result = verdict_of[(sample["task_id"], sample["completion"])]
        rows.append({**sample, "passed": passed, "result": result})
    summary = summarize(benchmark, rows, settings.ks)
    summary.update(unique_programs_run=len(unique), seed=seed)
    write_jsonl(output, rows)
    write_json(summary_path(output), summary)
    return summary["pass_at_k"]


def backtranslation_scores(model, tokenizer, train_config) -> dict:
    """The held-out back-translation score exactly as ``batcoder train`` measures it (same functions,
    settings and seeds), for a model that is not being trained (base, SFT)."""
    import torch

    from batcoder.generation import get_backend
    from batcoder.rollout.backtranslation import BackTranslationRollout
    from batcoder.training.run import HELD_OUT_STEP_SLOT
    from batcoder.training.step import STEP_SEED_STRIDE

    backend = get_backend(train_config.rollout.backend, model=model, tokenizer=tokenizer,
                          batch_size=train_config.rollout.generation_batch_size)
    rollout = BackTranslationRollout(backend, tokenizer, train_config)
    try:
        held_out, _ = rollout.load_items(train_config, held_out=True)
        seeds = (train_config.run.seed * STEP_SEED_STRIDE**2 + HELD_OUT_STEP_SLOT * STEP_SEED_STRIDE,)
        with torch.no_grad():
            return rollout.evaluate(held_out, seeds)
    finally:
        rollout.close()
