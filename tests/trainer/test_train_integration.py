"""A few real BatCoder RL steps on CPU with the SFT-warmed tiny model: parameters move, metrics,
TensorBoard logs, checkpoints, the final model and the plot are written, and a resumed run
reproduces an uninterrupted one exactly."""

import json
import os
import signal
import threading
import time

import pytest
import torch

from batcoder.cli import main as cli_main
from batcoder.config import load_config
from batcoder.errors import UserError
from batcoder.rl.metrics import read_metrics
from batcoder.training import train

pytestmark = pytest.mark.slow

TIMING_PREFIXES = ("time/", "tokens_per_s/")


def _config(warm_model, corpus, output_dir, *overrides):
    return load_config(
        None,
        [
            f"model.path={warm_model}", "model.device=cpu", f"data.corpus={corpus}", "data.language=python",
            "rollout.functions_per_step=2", "rollout.docs_per_function=4", "rollout.max_doc_tokens=48",
            "rollout.max_code_tokens=48", "rollout.give_signature=true", "rollout.reward_workers=0",
            "rollout.chunk_functions=2", "rl.micro_batch_size=4", "rl.grad_accumulation=1", "rl.epochs=1",
            "rl.lr=1e-3", "rl.dynamic_sampling=true", "rl.dynamic_sampling_limit=1", "run.checkpoint_every=2", "run.keep_last=2",
            f"run.output_dir={output_dir}", "run.threads=2", *overrides,
        ],
    )


def _without_timings(records):
    return [{k: v for k, v in r.items() if not k.startswith(TIMING_PREFIXES)} for r in records]


def _state(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path).state_dict()


def test_rl_steps_train_log_checkpoint_and_resume_exactly(tmp_path, warm_model, small_corpus, monkeypatch):
    uninterrupted = tmp_path / "uninterrupted"
    # Held-out evaluation before training, every 2 steps and at the end (on training functions here:
    # the fixture corpus has no valid split; this test is about the mechanics).
    held_out = ("run.eval_every=2", "data.eval_split=train", "data.eval_functions=2")
    result = train(_config(warm_model, small_corpus, uninterrupted, "run.steps=3", *held_out))
    assert result.completed and result.steps_done == 3

    records = read_metrics(uninterrupted / "metrics.jsonl")
    print("\n" + "\n".join(json.dumps({k: round(v, 3) for k, v in r.items() if k.startswith(("reward/", "doc/valid", "loss", "grad", "eval/"))}) for r in records))
    assert [r["step"] for r in records] == [0, 1, 2, 3]
    assert [r["step"] for r in records if "eval/backtranslation" in r] == [0, 2, 3]
    assert set(records[0]) == {"step", "eval/backtranslation", "eval/valid_rate", "eval/similarity", "time/eval"}
    assert all(0.0 <= r["eval/backtranslation"] <= r["eval/valid_rate"] for r in records if "eval/valid_rate" in r)
    steps = records[1:]
    for key in ("reward/code2doc/n", "doc/valid_rate", "doc/r_doc_0.5", "length/doc_tokens", "loss", "kl",
                "grad_norm", "tokens_per_s/generation", "time/generation", "time/reward", "time/update"):
        assert key in steps[0], key
    assert any(r["trajectories_trained"] > 0 and r["grad_norm"] > 0 for r in steps), "no step had a learning signal"
    assert sum(r["doc/valid_rate"] for r in steps) > 0

    before, after = _state(warm_model), _state(uninterrupted / "final-model")
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert changed, "RL steps left every parameter unchanged"

    assert (uninterrupted / "config.yaml").is_file()
    assert list((uninterrupted / "tensorboard").iterdir())
    assert (uninterrupted / "reward_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in (uninterrupted / "checkpoints").iterdir()) == ["step-000002", "step-000003"]

    # The same run, stopped by SIGTERM once its first line (the step-0 evaluation) is logged, saves a
    # checkpoint, exits cleanly, and continues through the CLI with --resume to exactly the same
    # metrics and weights.
    resumed = tmp_path / "resumed"
    watcher = threading.Thread(target=_terminate_after_first_line, args=(resumed / "metrics.jsonl",), daemon=True)
    watcher.start()
    first = train(_config(warm_model, small_corpus, resumed, "run.steps=3", *held_out))
    watcher.join()
    assert first.interrupted and first.stopped_by == "SIGTERM" and not first.completed and first.steps_done < 3
    assert (resumed / "checkpoints" / f"step-{first.steps_done:06d}" / "state.pt").is_file()
    assert not (resumed / "final-model").exists()
    # The run directory moved, and named relatively: still the same run.
    resumed = resumed.rename(tmp_path / "moved")
    monkeypatch.chdir(tmp_path)
    exit_code = cli_main(["train", "--config", "moved/config.yaml", "--output-dir", "./moved", "--resume"])
    assert exit_code == 0
    assert _without_timings(read_metrics(resumed / "metrics.jsonl")) == _without_timings(records)
    resumed_state = _state(resumed / "final-model")
    assert all(torch.equal(after[name], resumed_state[name]) for name in after)


def _terminate_after_first_line(metrics_path, timeout_s=600):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if metrics_path.exists() and metrics_path.read_text().strip():
            os.kill(os.getpid(), signal.SIGTERM)
            return
        time.sleep(0.05)


def test_existing_run_needs_resume_and_same_config(tmp_path, warm_model, small_corpus, capsys):
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "metrics.jsonl").write_text('{"step": 1}\n')
    config_file = tmp_path / "c.yaml"
    config_file.write_text(f"model:\n  path: {warm_model}\ndata:\n  corpus: {small_corpus}\n")
    assert cli_main(["train", "--config", str(config_file), "--output-dir", str(run_dir)]) == 2
    assert "pass --resume" in capsys.readouterr().err
    assert cli_main(["train", "--config", str(config_file), "--output-dir", str(tmp_path / "fresh"), "--resume"]) == 2
    assert "no run to resume" in capsys.readouterr().err


def test_lora_kl_grpo_and_the_stage_one_frozen_ablation(tmp_path, warm_model, small_corpus):
    # doc2code = the paper's ablation: documentations are sampled and scored, but only the
    # reconstructions are trained. LoRA + a KL-regularised reference + GRPO + 2 epochs (cached
    # rollout log-probs) exercise the other optional paths.
    run_dir = tmp_path / "ablation"
    config = _config(
        warm_model, small_corpus, run_dir, "run.steps=2", "rl.train_stages=doc2code", "rl.advantage=grpo",
        "rl.kl_beta=0.05", "rl.epochs=2", "model.lora_rank=4", "rl.dynamic_sampling=false", "run.checkpoint_every=0",
    )
    result = train(config)
    assert result.completed
    records = read_metrics(run_dir / "metrics.jsonl")
    for record in records:
        assert record["trajectories_trained"] == record.get("reward/doc2code/n", 0)
        assert record["kl"] >= 0.0
    assert (run_dir / "final-model" / "config.json").is_file()  # LoRA merged into a plain HF model


def test_a_sharded_optimizer_state_is_checkpointed_per_rank_and_resumed_exactly(tmp_path, warm_model, small_corpus, monkeypatch):
    """FSDP / ZeRO keep each rank's part of the optimizer state: each rank writes its part into the
    checkpoint and loads it on resume (one process posing as a sharded run; no GPU needed)."""
    from batcoder.training.distributed import Processes

    monkeypatch.setattr(Processes, "shards_optimizer", property(lambda self: True))
    whole = train(_config(warm_model, small_corpus, tmp_path / "whole", "run.steps=2", "run.checkpoint_every=1"))
    step_one = tmp_path / "whole" / "checkpoints" / "step-000001"
    state = torch.load(step_one / "state.pt", weights_only=False)
    assert state["optimizer"] is None and state["optimizer_shards"] == 1
    assert torch.load(step_one / "optimizer-rank-00000.pt", weights_only=False)["state"]  # AdamW moments after a step

    train(_config(warm_model, small_corpus, tmp_path / "parts", "run.steps=1"))
    train(_config(warm_model, small_corpus, tmp_path / "parts", "run.steps=2"), resume=True)
    after, resumed = _state(whole.final_model), _state(tmp_path / "parts" / "final-model")
    assert all(torch.equal(after[name], resumed[name]) for name in after)

    (tmp_path / "parts" / "checkpoints" / "step-000002" / "optimizer-rank-00000.pt").write_bytes(b"")
    with pytest.raises(UserError, match="optimizer-rank-00000.pt: cannot load this rank's optimizer state"):
        train(_config(warm_model, small_corpus, tmp_path / "parts", "run.steps=3"), resume=True)
