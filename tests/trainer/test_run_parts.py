import json

import pytest
import torch

from batcoder.rl.checkpoints import list_checkpoints, load_latest_checkpoint, save_checkpoint
from batcoder.rl.metrics import MetricsWriter, distribution, plot_reward_curves, read_metrics
from batcoder.training.run import DataCursor
from batcoder.training.setup import lr_multiplier


def test_data_cursor_covers_each_epoch_and_resumes_exactly():
    cursor = DataCursor(size=5, seed=3)
    first_epoch = cursor.take(5)
    assert sorted(first_epoch) == [0, 1, 2, 3, 4]
    taken = cursor.take(3)
    resumed = DataCursor(5, 3, **cursor.state())
    assert cursor.take(4) == resumed.take(4)
    assert cursor.state() == {"epoch": 2, "position": 2}
    assert DataCursor(size=5, seed=3).take(8)[5:] == taken


def test_learning_rate_schedules():
    multiplier = lr_multiplier(warmup_steps=2, total_steps=6, kind="linear")
    assert [multiplier(s) for s in range(7)] == pytest.approx([0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0])
    cosine = lr_multiplier(warmup_steps=0, total_steps=4, kind="cosine")
    assert [cosine(s) for s in (0, 2, 4)] == pytest.approx([1.0, 0.5, 0.0])


def test_checkpoints_keep_the_last_n(tmp_path):
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, step, {"step": step, "weights": torch.full((2,), float(step))}, keep_last=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step-000002", "step-000003"]
    (tmp_path / "step-000009").mkdir()  # an incomplete checkpoint (no state.pt) is ignored
    state = load_latest_checkpoint(tmp_path)
    assert state["step"] == 3 and state["weights"].tolist() == [3.0, 3.0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging leftovers


def test_metrics_writer_truncates_steps_after_the_resumed_checkpoint(tmp_path):
    writer = MetricsWriter(tmp_path, tensorboard=True, wandb_project=None, config={}, resume_step=0)
    held_out = {"eval/backtranslation": 0.1, "eval/valid_rate": 0.5, "eval/similarity": 0.2}
    writer.log(0, held_out)  # the pre-training evaluation
    for step in (1, 2, 3):
        metrics = {"reward/code2doc/mean": 0.1 * step, "reward/doc2code/mean": 0.2, "doc/valid_rate": 0.5}
        writer.log(step, {**metrics, **held_out} if step == 2 else metrics)
    writer.close()
    assert list((tmp_path / "tensorboard").iterdir())
    MetricsWriter(tmp_path, tensorboard=False, wandb_project=None, config={}, resume_step=2).close()
    assert [r["step"] for r in read_metrics(tmp_path / "metrics.jsonl")] == [0, 1, 2]
    plot = plot_reward_curves(tmp_path / "metrics.jsonl", tmp_path / "curves.png")
    assert plot.read_bytes()[:4] == b"\x89PNG"
    MetricsWriter(tmp_path, tensorboard=False, wandb_project=None, config={}, resume_step=0).close()
    assert read_metrics(tmp_path / "metrics.jsonl") == []  # a restart from step 0 evaluates again


def test_distribution_summary():
    assert distribution("s", [0.0, 0.5, 1.0]) == {"s/mean": 0.5, "s/std": pytest.approx(0.4082483), "s/min": 0.0, "s/p50": 0.5, "s/max": 1.0, "s/n": 3}
    assert distribution("s", []) == {"s/n": 0}
    json.dumps(distribution("s", [0.25]))


def test_an_interrupted_run_exits_with_its_signal_status(tmp_path, monkeypatch):
    import batcoder.training.run
    from batcoder.cli import main
    from batcoder.training.run import TrainResult

    for signal_name, status in (("SIGINT", 130), ("SIGTERM", 143), (None, 0)):
        result = TrainResult(tmp_path, 1, completed=signal_name is None, interrupted=signal_name is not None, final_model=None, stopped_by=signal_name)
        monkeypatch.setattr(batcoder.training.run, "train", lambda config, resume=False, result=result: result)
        config = tmp_path / "c.yaml"
        config.write_text("run:\n  steps: 2\n")
        assert main(["train", "--config", str(config)]) == status


def test_resume_refuses_a_checkpoint_that_does_not_match_the_model():
    from batcoder.errors import UserError
    from batcoder.training.run import load_trainable_state

    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    good = {k: torch.ones_like(v) for k, v in model.state_dict().items()}
    load_trainable_state(model, good, "ckpt")
    assert torch.equal(model[0].weight, torch.ones(2, 3))
    with pytest.raises(UserError, match=r"--resume: checkpoint ckpt does not match the model: 1 trainable parameter\(s\) missing, 1 unexpected"):
        load_trainable_state(model, {"0.weight": good["0.weight"], "0.lora_A": torch.ones(1)}, "ckpt")
    with pytest.raises(UserError, match="does not match the model: size mismatch for 0.weight"):
        load_trainable_state(model, {**good, "0.weight": torch.ones(4, 3)}, "ckpt")


def test_a_full_disk_is_a_one_line_error_naming_the_path(tmp_path):
    import errno

    from batcoder.errors import UserError
    from batcoder.training.run import disk_errors

    with pytest.raises(UserError, match=f"{tmp_path}: no space left on device while writing the step-3 checkpoint"):
        with disk_errors(tmp_path, "the step-3 checkpoint"):
            raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(PermissionError):  # other errors are not disguised
        with disk_errors(tmp_path, "x"):
            raise PermissionError(errno.EACCES, "denied")


def test_corpus_rows_become_comment_free_functions_or_counted_skips():
    from batcoder.rollout.functions import corpus_functions

    rows = [
        {"code": 'def f(a):\n    """Add one."""\n    return a + 1  # plus one', "language": "python", "name": "f"},
        {"code": "x = 1", "language": "python"},
        {"code": "# only a comment", "language": "python"},
        {"code": "fn main() {}", "language": "rust"},
        {"code": "def g():\n    return 0" + " " * 50, "language": "python"},
    ]
    skipped = {}
    functions = [f for _, f in corpus_functions(rows, skipped, max_code_chars=60, require_definition=True)]
    assert [(f.code, f.signature, f.name) for f in functions] == [("def f(a):\n    return a + 1", "def f(a):", "f")]
    assert skipped == {"no function definition": 1, "empty code": 1, "unknown language": 1, "longer than max_code_chars": 1}
    skipped = {}
    assert len(list(corpus_functions(rows, skipped))) == 3 and skipped == {"empty code": 1, "unknown language": 1}
