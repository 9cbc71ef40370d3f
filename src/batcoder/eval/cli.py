"""``batcoder evaluate``: pass@k of pre-generated samples, or of a model's own generations."""

from __future__ import annotations

import os
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="run benchmark tests on samples (or a model's generations) in the sandbox; report pass@k",
        description="Evaluate samples (human-eval schema: task_id, completion) or a model's generations on "
        "humaneval, mbpp, mbpp:sanitized or multipl-e:<config>; writes one result row per sample and a "
        "summary JSON beside --output.",
    )
    parser.add_argument("--benchmark", required=True, help="humaneval | mbpp | mbpp:sanitized | multipl-e:<config> | world:<python|ruby|go>")
    parser.add_argument("--data", type=Path, help="local JSONL (or JSON array) in the benchmark's schema instead of its usual source")
    parser.add_argument("--split", help="dataset split (default: test; MBPP files are split by task id like the hub, "
                        "test = 11-510; 'all' keeps every row of a --data file)")
    parser.add_argument(
        "--samples", type=Path, help="samples JSONL to evaluate; with --model, where generated samples are written"
    )
    parser.add_argument("--output", type=Path, required=True, help="per-sample results JSONL")
    parser.add_argument("--k", default="1,10,100", help="comma-separated k values for pass@k")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="programs run in parallel")
    parser.add_argument("--timeout", type=float, help="seconds per program (default: the benchmark's official one)")
    parser.add_argument("--overwrite", action="store_true", help="replace output files not written by evaluate")
    parser.add_argument(
        "--unsafe-no-isolation", action="store_true", help="run without the sandbox when isolation is unavailable"
    )
    parser.add_argument(
        "--select", action="append", metavar="S", help="best-of-N: pass@1 of the candidate S picks per problem (repeatable): "
        "reranker:PATH, logprob, random, roundtrip, agreement, reranker:PATH+roundtrip, oracle (see batcoder.rerank.select)",
    )
    parser.add_argument(
        "--selector-model", metavar="M", help="the generator the logprob and roundtrip selectors score with "
        "(default: --model); with --samples and no --model, they score existing samples",
    )
    generation = parser.add_argument_group("generation (with --model)")
    generation.add_argument("--model", help="Hugging Face model: local directory or hub id")
    generation.add_argument(
        "--prompt-style", choices=("completion", "chat", "documentation"), default="completion",
        help="completion: continue the benchmark prompt (base models); chat: ask for the whole program in the "
        "model's chat template and assemble it with the prompt (instruction-tuned models); documentation: the RL's "
        "doc->code request for the problem's documentation (benchmarks that have one, e.g. world:python)",
    )
    generation.add_argument(
        "--prefill-signature", action="store_true",
        help="with --prompt-style documentation: open the reply with the code fence and the signature, so the model "
        "writes only the body (as `rollout.prefill_signature` trains it)",
    )
    generation.add_argument("--n", type=int, default=1, help="samples per problem")
    generation.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (n copies of one sample)")
    generation.add_argument("--top-p", type=float, default=1.0)
    generation.add_argument("--max-new-tokens", type=int, default=512)
    generation.add_argument("--batch-size", type=int, default=8, help="prompts per generation call")
    generation.add_argument("--limit", type=int, help="only the first N problems")
    generation.add_argument("--seed", type=int, default=0)
    generation.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.set_defaults(func=run_evaluate)


def _parse_ks(text: str) -> list[int]:
    from batcoder.errors import UserError

    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UserError(f"--k must be comma-separated integers, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise UserError(f"--k values must be >= 1, got {text!r}")
    return ks


def _check_arguments(args) -> None:
    import math

    from batcoder.errors import UserError
    from batcoder.models.loading import resolve_device

    if args.model is None and args.samples is None:
        raise UserError("give --samples FILE to evaluate, or --model M to generate samples first")
    if args.model is None and not args.samples.is_file():
        raise UserError(f"--samples: no such file: {args.samples}")
    if args.data is not None and not args.data.is_file():
        raise UserError(f"--data: no such file: {args.data}")
    if args.workers < 1:
        raise UserError("--workers must be >= 1")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UserError(f"--timeout must be a finite number of seconds > 0, got {args.timeout}")
    if args.n < 1 or args.max_new_tokens < 1 or args.batch_size < 1 or (args.limit is not None and args.limit < 1):
        raise UserError("--n, --max-new-tokens, --batch-size and --limit must be >= 1")
    if args.prefill_signature and args.prompt_style != "documentation":
        raise UserError("--prefill-signature needs --prompt-style documentation")
    if args.model is not None:
        if not (math.isfinite(args.temperature) and args.temperature >= 0):
            raise UserError(f"--temperature must be a finite number >= 0, got {args.temperature}")
        if not 0 < args.top_p <= 1:  # also false for nan
            raise UserError(f"--top-p must be in (0, 1], got {args.top_p}")
        resolve_device(args.device)


def _prepare_outputs(args) -> Path | None:
    """Check every file evaluate writes before any work; returns where generated samples go."""
    from batcoder.errors import UserError
    from batcoder.eval.runner import COMMAND, summary_path
    from batcoder.outputs import prepare_output

    samples_path = None
    if args.model is not None:
        samples_path = args.samples or args.output.with_name(args.output.stem + ".samples.jsonl")
    inputs = [args.data, args.model, None if args.model is not None else args.samples]
    written = [path for path in (args.output, summary_path(args.output), samples_path) if path is not None]
    for path in written:
        prepare_output(path, COMMAND, inputs=inputs, overwrite=args.overwrite)
    if len({path.resolve() for path in written}) < len(written):
        raise UserError(f"--output {args.output}: the results, summary and samples files must differ")
    return samples_path


def run_evaluate(args) -> int:
    from batcoder.errors import UserError
    from batcoder.eval import BenchmarkDataError, get_benchmark
    from batcoder.eval.runner import COMMAND, evaluate_file, summary_path, write_jsonl
    from batcoder.sandbox import IsolationUnavailable, SandboxPool

    _check_arguments(args)
    if args.select:
        from batcoder.rerank.select import check_selectors

        check_selectors(args.select, args.selector_model or args.model)
    ks = _parse_ks(args.k)
    generated_samples = _prepare_outputs(args)
    try:
        benchmark = get_benchmark(args.benchmark, args.data, args.split)
        benchmark.problems()
        samples_path = args.samples
        if args.model is not None:
            if not args.unsafe_no_isolation:
                SandboxPool(1).close()  # refuse before generating, not after, when isolation is unavailable
            samples_path = generated_samples
            write_jsonl(samples_path, _generate(args, benchmark), COMMAND)
            print(f"wrote samples to {samples_path}")
        summary = evaluate_file(
            benchmark,
            samples_path,
            args.output,
            ks=ks,
            workers=args.workers,
            timeout_s=args.timeout,
            unsafe_no_isolation=args.unsafe_no_isolation,
        )
    except BenchmarkDataError as error:
        raise UserError(str(error)) from None
    except IsolationUnavailable as error:
        raise UserError(f"{error} (rerun with --unsafe-no-isolation to run without the sandbox)") from None
    _print_table(summary)
    print(f"wrote {args.output} and {summary_path(args.output)}")
    if args.select:
        from batcoder.rerank.select import report_selection

        report_selection(args, benchmark)
    return 0


def _generate(args, benchmark) -> list[dict]:
    from batcoder.eval.sampling import generate_samples
    from batcoder.generation import load_generation_backend

    problems = list(benchmark.problems().values())[: args.limit]
    backend, tokenizer = load_generation_backend(args.model, args.device, args.batch_size)
    return generate_samples(
        backend,
        benchmark,
        problems,
        prompt_style=args.prompt_style,
        tokenizer=tokenizer,
        n=args.n,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_p=args.top_p,
        batch_size=args.batch_size,
        seed=args.seed,
        prefill_signature=args.prefill_signature,
    )


def _print_table(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=summary["benchmark"])
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("problems", f"{summary['problems_evaluated']}/{summary['problems']}")
    table.add_row("samples", str(summary["samples"]))
    for metric, value in summary["pass_at_k"].items():
        table.add_row(metric, f"{100 * value:.2f}%" if value is not None else "n/a (n < k)")
    for outcome, count in summary["outcomes"].items():
        table.add_row(outcome, str(count))
    Console().print(table)
