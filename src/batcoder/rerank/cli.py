"""``batcoder rerank sample | train | iterate``: RewardRanker's reranker, its labelled data and its
self-training loop."""

from __future__ import annotations

import os
from pathlib import Path


def register(subparsers) -> None:
    rerank = subparsers.add_parser("rerank", help="train a reranker on execution-labelled candidates (RewardRanker)")
    commands = rerank.add_subparsers(dest="rerank_command", required=True)

    sample = commands.add_parser(
        "sample",
        help="draw candidates per problem with a model (or take --samples) and label them by sandboxed execution",
        description="Write labelled candidates (task_id, prompt, completion, passed, result, failure kind) for "
        "`batcoder rerank train`.",
    )
    add_problem_arguments(sample)
    sample.add_argument("--output", type=Path, required=True, help="candidates JSONL to write")
    sample.add_argument("--samples", type=Path, help="label these samples (task_id, completion) instead of generating")
    sample.add_argument("--model", help="generator: local HF model directory or hub id")
    sample.add_argument("--n", type=int, default=8, help="candidates per problem")
    sample.add_argument("--temperature", type=float, default=0.8)
    sample.add_argument("--top-p", type=float, default=0.95)
    sample.add_argument("--max-new-tokens", type=int, default=512)
    sample.add_argument("--batch-size", type=int, default=8, help="prompts per generation call")
    sample.add_argument("--prompt-style", choices=("completion", "chat", "documentation"), default="completion",
                        help="completion (base models), chat (instruction-tuned) or documentation (the doc->code "
                        "request, for problems with documentation such as the code world's)")
    sample.add_argument("--prefill-signature", action="store_true",
                        help="with --prompt-style documentation: open the reply with the code fence and the signature")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--overwrite", action="store_true", help="replace an existing file not written by rerank sample")
    sample.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    sample.set_defaults(func=run_sample)

    train = commands.add_parser(
        "train", help="train a reranker: Bradley–Terry over (passing, failing) pairs, held-out metrics",
        description="Train a reranker from a YAML config (see configs/rerank-*.yaml) with key=value overrides.",
    )
    train.add_argument("--config", type=Path, help="YAML config (defaults for every key left out)")
    train.add_argument("--resume", action="store_true", help="continue the run in run.output_dir from its last checkpoint")
    train.add_argument("overrides", nargs="*", help="dotted overrides, e.g. train.steps=100 data.candidates=c.jsonl")
    from batcoder.training.cli import add_launch_flags

    add_launch_flags(train)
    train.set_defaults(func=run_train)

    iterate = commands.add_parser(
        "iterate", help="self-training rounds: align the generator to the reranker (RL), mine hard negatives, retrain",
        description="RewardRanker's loop. Per round: RL-align the generator with the reranker's score as reward, "
        "sample and execute fresh candidates, add hard negatives, retrain the reranker.",
    )
    iterate.add_argument("--config", type=Path, required=True, help="YAML config of the loop (see configs/rerank-*.yaml)")
    iterate.add_argument("--rounds", type=int, help="rounds (overrides iterate.rounds)")
    iterate.add_argument("overrides", nargs="*", help="dotted overrides, e.g. iterate.candidates_per_problem=8")
    iterate.set_defaults(func=run_iterate)


def add_problem_arguments(parser) -> None:
    parser.add_argument("--benchmark", required=True, help="problem source: a `batcoder evaluate` benchmark spec")
    parser.add_argument("--data", type=Path, help="local JSONL in the benchmark's schema instead of its usual source")
    parser.add_argument("--split", help="dataset split (benchmarks that have splits, e.g. mbpp: train / validation / test)")
    parser.add_argument("--limit", type=int, help="only the first N problems")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="programs run in parallel")
    parser.add_argument("--timeout", type=float, help="seconds per program (default: the benchmark's)")
    parser.add_argument("--unsafe-no-isolation", action="store_true", help="run without the sandbox when isolation is unavailable")


def load_problems(benchmark_spec: str, data: Path | None, split: str | None, limit: int | None):
    """``(benchmark, problems)`` for a problem source; bad input is a one-line error."""
    from batcoder.errors import UserError
    from batcoder.eval import BenchmarkDataError, get_benchmark

    if data is not None and not data.is_file():
        raise UserError(f"--data: no such file: {data}")
    if limit is not None and limit < 1:
        raise UserError("--limit must be >= 1")
    try:
        benchmark = get_benchmark(benchmark_spec, data, split)
        problems = list(benchmark.problems().values())[:limit]
    except BenchmarkDataError as error:
        raise UserError(str(error)) from None
    return benchmark, problems


def run_sample(args) -> int:
    from batcoder.errors import UserError
    from batcoder.eval import BenchmarkDataError
    from batcoder.eval.runner import read_samples, write_jsonl
    from batcoder.rerank.candidates import count_problems, group_by_problem
    from batcoder.rerank.sample import label_samples, sample_candidates
    from batcoder.sandbox import IsolationUnavailable, SandboxPool

    if (args.model is None) == (args.samples is None):
        raise UserError("give --model M to draw candidates, or --samples FILE to label existing ones (not both)")
    if args.n < 1 or args.workers < 1 or args.batch_size < 1 or args.max_new_tokens < 1:
        raise UserError("--n, --workers, --batch-size and --max-new-tokens must be >= 1")
    from batcoder.outputs import prepare_output

    if args.prefill_signature and args.prompt_style != "documentation":
        raise UserError("--prefill-signature needs --prompt-style documentation")
    prepare_output(args.output, "rerank sample", inputs=[args.data, args.samples, args.model], overwrite=args.overwrite)
    benchmark, problems = load_problems(args.benchmark, args.data, args.split, args.limit)
    if args.samples is None and args.prompt_style == "documentation":
        from batcoder.eval.sampling import first_undocumented

        undocumented = first_undocumented(problems)
        if undocumented is not None:
            raise UserError(f"--prompt-style documentation: problem {undocumented} of {args.benchmark} has no documentation")
    try:
        if args.samples is not None:
            if not args.samples.is_file():
                raise UserError(f"--samples: no such file: {args.samples}")
            wanted = {problem.task_id for problem in problems}
            samples = [sample.row for sample in read_samples(args.samples, benchmark) if sample.task_id in wanted]
            rows = label_samples(benchmark, samples, workers=args.workers, timeout_s=args.timeout,
                                 unsafe_no_isolation=args.unsafe_no_isolation)
        else:
            from batcoder.generation import load_generation_backend

            if not args.unsafe_no_isolation:
                SandboxPool(1).close()  # refuse before generating when isolation is unavailable
            backend, tokenizer = load_generation_backend(args.model, args.device, args.batch_size)
            rows = sample_candidates(
                backend, benchmark, problems, n=args.n, temperature=args.temperature, top_p=args.top_p,
                max_new_tokens=args.max_new_tokens, batch_size=args.batch_size, seed=args.seed,
                prompt_style=args.prompt_style, prefill_signature=args.prefill_signature, tokenizer=tokenizer,
                workers=args.workers, timeout_s=args.timeout, unsafe_no_isolation=args.unsafe_no_isolation,
            )
    except BenchmarkDataError as error:
        raise UserError(str(error)) from None
    except IsolationUnavailable as error:
        raise UserError(f"{error} (rerun with --unsafe-no-isolation to run without the sandbox)") from None
    write_jsonl(args.output, rows, "rerank sample")
    counts = count_problems(group_by_problem(rows))
    print(
        f"wrote {counts.candidates} candidates ({counts.passed} passing) for {len(group_by_problem(rows))} problems to "
        f"{args.output}: {counts.mixed} with passing and failing candidates (pairs), {counts.all_pass} all passing and "
        f"{counts.all_fail} all failing (pointwise training only); failures: "
        + (", ".join(f"{kind} {count}" for kind, count in counts.failures.items()) or "none")
    )
    return 0


def run_train(args) -> int:
    from batcoder.rerank.config import load_rerank_config
    from batcoder.rerank.train import train_reranker
    from batcoder.training.cli import relaunched

    command = ["rerank", "train", *(["--config", str(args.config)] if args.config else []),
               *(["--resume"] if args.resume else []), *args.overrides]
    status = relaunched(args, command, lambda: load_rerank_config(args.config, args.overrides))
    if status is not None:
        return status
    config = load_rerank_config(args.config, args.overrides)
    summary = train_reranker(config, resume=args.resume)
    if summary is None:  # not rank 0 of several processes: rank 0 reports
        return 0
    shown = ", ".join(f"{key.removeprefix('eval/')} {value:.3f}" for key, value in summary.items()
                      if key.startswith("eval/") and isinstance(value, float))
    print(f"reranker written to {Path(config.run.output_dir) / 'model'}; held-out: {shown or 'no held-out problems'}")
    return 0


def run_iterate(args) -> int:
    from batcoder.rerank.iterate import load_iterate_config, run_rounds

    overrides = list(args.overrides) + ([f"iterate.rounds={args.rounds}"] if args.rounds is not None else [])
    run_rounds(load_iterate_config(args.config, overrides))
    return 0
