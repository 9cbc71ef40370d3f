"""Several training processes on CPU (gloo): an update over 2 ranks equals one process's over the
same buffer, SFT likewise, and a 2-process RL run completes, resumes and writes one set of metrics."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from batcoder.errors import UserError
from batcoder.rl.metrics import read_metrics

WORKER = Path(__file__).with_name("distributed_worker.py")
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(**extra) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    return {**env, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
            "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", **extra}


def _ranks(world_size: int, *args) -> None:
    """Run the worker as ``world_size`` processes of one process group; fail with their output."""
    port = str(_free_port())
    processes = []
    for rank in range(world_size):
        ranked = {"WORLD_SIZE": str(world_size), "RANK": str(rank), "LOCAL_RANK": str(rank),
                  "LOCAL_WORLD_SIZE": str(world_size), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port} if world_size > 1 else {}
        processes.append(subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], env=_environment(**ranked),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    for rank, (process, output) in enumerate(zip(processes, outputs)):
        assert process.returncode == 0, f"rank {rank} failed:\n{output[-3000:]}"


def _assert_same_parameters(one: dict, two: dict, atol: float) -> None:
    assert one.keys() == two.keys()
    for name in one:
        torch.testing.assert_close(two[name], one[name], rtol=1e-4, atol=atol, msg=lambda m: f"{name}: {m}")


def test_update_on_two_ranks_equals_one_process(tmp_path):
    _ranks(1, "update", tmp_path / "one.pt")
    _ranks(2, "update", tmp_path / "two.pt")
    one, two = torch.load(tmp_path / "one.pt"), torch.load(tmp_path / "two.pt")
    assert one["tokens"] == two["tokens"] > 0 and one["losses"] == two["losses"] == 12  # 6 micro-batches x 2 epochs
    _assert_same_parameters(one["parameters"], two["parameters"], atol=1e-6)
    torch.manual_seed(0)  # the worker's initial weights: the update moved them (the comparison can fail)
    from transformers import AutoModelForCausalLM, Qwen2Config

    initial = AutoModelForCausalLM.from_config(Qwen2Config(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, max_position_embeddings=64)).state_dict()
    moved = max(float((one["parameters"][name] - initial[name]).abs().max()) for name in initial)
    assert moved > 1e-4


def test_sft_on_two_ranks_equals_one_process(tmp_path, tiny_model, small_corpus):
    _ranks(1, "sft", tmp_path / "one.pt", tiny_model, small_corpus)
    _ranks(2, "sft", tmp_path / "two.pt", tiny_model, small_corpus)
    one, two = torch.load(tmp_path / "one.pt")["parameters"], torch.load(tmp_path / "two.pt")["parameters"]
    # AdamW divides by the root of tiny second moments: summation-order differences of 1e-9 in a
    # gradient move a weight by up to ~1e-5 in 3 steps; a wrong token weighting moves many by ~1e-3.
    _assert_same_parameters(one, two, atol=1e-4)
    record = json.loads((tmp_path / "two.pt.model" / "batcoder_sft.json").read_text())
    assert record["processes"] == 2


@pytest.mark.slow
def test_sft_command_on_two_processes(tmp_path, tiny_model, small_corpus):
    """`batcoder sft --num-processes 2` trains like one process, rank 0 alone writes and reports, and an
    output it may not replace is refused once, before any process starts."""
    def sft(output: Path, *extra):
        return subprocess.run([sys.executable, "-m", "batcoder", "sft", "--model", str(tiny_model), "--corpus", str(small_corpus),
                               "--output", str(output), "--steps", "3", "--batch-size", "4", "--lr", "5e-3",
                               "--device", "cpu", *extra], env=_environment(), capture_output=True, text=True, timeout=600)

    two = sft(tmp_path / "two", "--num-processes", "2")
    assert two.returncode == 0, two.stdout[-2000:] + two.stderr[-3000:]
    assert two.stdout.count("sft warm-up:") == 1
    assert json.loads((tmp_path / "two" / "batcoder_sft.json").read_text())["processes"] == 2
    one = sft(tmp_path / "one")
    assert one.returncode == 0, one.stderr[-3000:]

    from safetensors.torch import load_file

    _assert_same_parameters(load_file(tmp_path / "one" / "model.safetensors"), load_file(tmp_path / "two" / "model.safetensors"), atol=1e-4)

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused = sft(foreign, "--num-processes", "2")
    assert refused.returncode != 0 and refused.stderr.count("foreign") == 1 and "Traceback" not in refused.stderr
    assert (foreign / "notes.txt").read_text() == "mine"


def _train(config: Path, *args):
    return subprocess.run([sys.executable, "-m", "batcoder", "train", "--config", str(config), "--num-processes", "2", *args],
                          env=_environment(), capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_two_process_run_completes_resumes_and_writes_one_set_of_metrics(tmp_path, warm_model, small_corpus):
    import yaml

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"path": str(warm_model), "device": "cpu"},
        "data": {"corpus": str(small_corpus), "language": "python"},
        "rollout": {"functions_per_step": 3, "docs_per_function": 2, "max_doc_tokens": 24, "max_code_tokens": 24,
                    "give_signature": True, "reward_workers": 0, "chunk_functions": 2},
        "rl": {"micro_batch_size": 4, "grad_accumulation": 2, "lr": 1e-3, "dynamic_sampling_limit": 1},
        "run": {"steps": 2, "checkpoint_every": 1, "output_dir": str(tmp_path / "run"), "tensorboard": False,
                "threads": 1, "collective_timeout_s": 120},
    }))
    first = _train(config)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
    assert first.stdout.count("batcoder train: done, 2 steps") == 1  # rank 0 reports
    resumed = _train(config, "--resume", "run.steps=3")
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-3000:]

    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert [r["step"] for r in records] == [1, 2, 3]  # one line per step: only rank 0 writes
    # Both ranks' rollouts are in the metrics: the first round samples 3 functions x K = 2 (rank 0 alone 2 of them).
    assert all(r["reward/code2doc/n"] >= 6 for r in records)
    assert all(r["groups_trained"] <= 3 for r in records)
    state = torch.load(tmp_path / "run" / "checkpoints" / "step-000003" / "state.pt", weights_only=False)
    assert state["processes"] == 2 and len(state["rng_per_rank"]) == 2
    assert (tmp_path / "run" / "final-model").is_dir()

    from batcoder.config import load_config
    from batcoder.training import train

    with pytest.raises(UserError, match="trained by 2 process"):  # resume is exact only for the same process count
        train(load_config(config, ["run.steps=4"]), resume=True)


def _rerank_candidates(path: Path) -> Path:
    """Six problems, each with two passing and two failing candidates."""
    rows = []
    for index in range(6):
        prompt = f"def f{index}(x):\n"
        for body, passed in ((f"    return x + {index}\n", True), (f"    y = x + {index}\n    return y\n", True),
                             (f"    return x - {index}\n", False), ("    return None\n", False)):
            rows.append({"task_id": str(index), "prompt": prompt, "completion": body, "language": "python", "passed": passed,
                         "result": "passed" if passed else "failed: AssertionError", "failure": None if passed else "wrong_answer"})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _reranker_parameters(model_dir: Path) -> dict:
    from batcoder.rerank.model import load_reranker

    return {name: value.detach().clone() for name, value in load_reranker(model_dir, device="cpu").state_dict().items()}


@pytest.mark.slow
def test_reranker_on_two_processes_equals_one_and_resumes_with_one(tmp_path, tiny_model):
    """2 steps on 2 ranks, resumed for a third step in one process, give the weights of 3 steps in one
    process: the step batch depends on the step alone and each rank's share is weighted into the
    whole batch's gradient. Rank 0 alone writes the metrics."""
    from batcoder.rerank.config import load_rerank_config
    from batcoder.rerank.train import train_reranker

    candidates = _rerank_candidates(tmp_path / "candidates.jsonl")
    settings = [f"model.base={tiny_model}", "model.device=cpu", "model.max_length=64", f"data.candidates={candidates}",
                "data.eval_fraction=0.3", "train.pairs_per_step=4", "train.lr=5e-3", "train.pointwise_weight=0.5",
                "train.pointwise_per_step=4", "run.eval_every=0", "run.checkpoint_every=1", "run.tensorboard=false",
                "run.threads=1", "run.collective_timeout_s=120"]
    two = subprocess.run([sys.executable, "-m", "batcoder", "rerank", "train", "--num-processes", "2", *settings,
                          "train.steps=2", f"run.output_dir={tmp_path / 'two'}"],
                         env=_environment(), capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stdout[-2000:] + two.stderr[-3000:]
    assert two.stdout.count("reranker written to") == 1  # rank 0 reports
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["processes"] == 2
    train_reranker(load_rerank_config(None, [*settings, "train.steps=3", f"run.output_dir={tmp_path / 'two'}"]),
                   resume=True, progress=False)
    train_reranker(load_rerank_config(None, [*settings, "train.steps=3", f"run.output_dir={tmp_path / 'one'}"]), progress=False)

    assert [r["step"] for r in read_metrics(tmp_path / "two" / "metrics.jsonl")] == [0, 1, 2, 3]
    one_metrics = read_metrics(tmp_path / "one" / "metrics.jsonl")
    for record, reference in zip(read_metrics(tmp_path / "two" / "metrics.jsonl")[1:], one_metrics[1:]):
        assert record["train/loss"] == pytest.approx(reference["train/loss"], abs=1e-4)  # both ranks' shares summed
        # AdamW hides a gradient off by a constant factor; the norm before clipping does not
        assert record["train/grad_norm"] == pytest.approx(reference["train/grad_norm"], rel=1e-3)
    _assert_same_parameters(_reranker_parameters(tmp_path / "one" / "model"), _reranker_parameters(tmp_path / "two" / "model"), atol=1e-4)
