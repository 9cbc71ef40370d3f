import json

import pytest

from batcoder.cli import main
from batcoder.errors import UserError
from batcoder.rerank.config import load_rerank_config
from batcoder.rerank.train import split_data, step_batch, train_reranker


def test_sample_labels_existing_samples_with_failure_kinds(problems_file, tmp_path, capsys):
    samples = tmp_path / "samples.jsonl"
    rows = [{"task_id": 1, "completion": "def add(a, b):\n    return a + b\n"},
            {"task_id": 1, "completion": "def add(a, b):\n    return a - b\n"},
            {"task_id": 2, "completion": "def double(x):\n    return x * 2\n"},
            {"task_id": 2, "completion": "def double(x)\n    return x * 2\n"},
            {"task_id": 3, "completion": "def first(items):\n    return items[5]\n"},
            {"task_id": 4, "completion": "def is_even(n):\n    while True:\n        pass\n"}]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "candidates.jsonl"
    assert main(["rerank", "sample", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--samples", str(samples),
                 "--output", str(output), "--timeout", "2", "--workers", "2"]) == 0
    written = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["passed"] for row in written] == [True, False, True, False, False, False]
    assert [row["failure"] for row in written] == [None, "wrong_answer", None, "syntax", "exception", "timeout"]
    assert all(row["prompt"].startswith('"""\n') and row["language"] == "python" for row in written)
    out = capsys.readouterr().out
    assert "2 with passing and failing candidates" in out and "0 all passing and 2 all failing" in out


def test_sample_needs_exactly_one_source(problems_file, tmp_path, capsys):
    assert main(["rerank", "sample", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "give --model" in capsys.readouterr().err


def _config(tiny_lm, candidates, output_dir, *extra):
    return load_rerank_config(None, [f"model.base={tiny_lm}", f"data.candidates={candidates}", f"run.output_dir={output_dir}",
                                     "data.eval_fraction=0.0", "run.tensorboard=false", "model.max_length=64", *extra])


def test_held_out_problems_are_never_trained_on(tiny_lm, candidates_file, tmp_path):
    held = tmp_path / "held.jsonl"
    held.write_text("".join(line + "\n" for line in candidates_file.read_text().splitlines() if '"task_id": "1"' in line or '"task_id": "2"' in line))
    data = split_data(_config(tiny_lm, candidates_file, tmp_path / "run", f"data.eval_candidates={held}"))
    assert sorted(data.held_out) == ["1", "2"] and sorted({row["task_id"] for row in data.rows}) == ["3", "4"]
    held.write_text(candidates_file.read_text())
    with pytest.raises(UserError, match="no training problem has both"):
        split_data(_config(tiny_lm, candidates_file, tmp_path / "run", f"data.eval_candidates={held}"))


def test_pairs_index_one_problem_each_and_steps_are_reproducible(tiny_lm, candidates_file, tmp_path):
    config = load_rerank_config(None, [f"data.candidates={candidates_file}", "data.eval_fraction=0.25"])
    data = split_data(config)
    for good, bad in data.pairs:
        assert data.rows[good]["task_id"] == data.rows[bad]["task_id"]
        assert data.rows[good]["passed"] and not data.rows[bad]["passed"]
    assert len(data.pairs) == len({row["task_id"] for row in data.rows})  # one pass x one fail per problem
    assert step_batch(data, config, 5) == step_batch(data, config, 5) != step_batch(data, config, 6)


def test_training_learns_the_training_pairs_and_resume_continues(tiny_lm, candidates_file, tmp_path):
    run = tmp_path / "run"
    config = _config(tiny_lm, candidates_file, run, "train.steps=30", "train.lr=3e-3", "run.checkpoint_every=10", "run.eval_every=0")
    summary = train_reranker(config, progress=False)
    assert summary["train_pairs"] == 4 and (run / "model" / "reranker.json").is_file()
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == list(range(31))
    losses = [m["train/loss"] for m in metrics[1:]]
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5

    with pytest.raises(UserError, match="already holds a run"):
        train_reranker(config, progress=False)
    config.train.steps = 35
    train_reranker(config, resume=True, progress=False)
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == list(range(36))


def test_cli_train_reports_held_out_metrics(tiny_lm, candidates_file, tmp_path, capsys):
    assert main(["rerank", "train", f"model.base={tiny_lm}", f"data.candidates={candidates_file}",
                 f"run.output_dir={tmp_path / 'run'}", "train.steps=2", "data.eval_fraction=0.3", "run.tensorboard=false",
                 "model.max_length=64"]) == 0
    assert "reranker written to" in capsys.readouterr().out
    assert main(["rerank", "train", "train.stepz=2"]) == 2
    assert "unknown key" in capsys.readouterr().err


def test_sample_draws_n_candidates_per_problem_with_a_model(problems_file, tiny_lm, tmp_path, capsys):
    output = tmp_path / "drawn.jsonl"
    assert main(["rerank", "sample", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--model", str(tiny_lm),
                 "--n", "3", "--max-new-tokens", "6", "--limit", "2", "--output", str(output), "--workers", "1",
                 "--device", "cpu"]) == 0
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["task_id"] for row in rows] == ["1"] * 3 + ["2"] * 3
    assert all(isinstance(row["passed"], bool) and row["stop"] and row["failure"] in (None, "wrong_answer", "exception", "syntax", "timeout")
               for row in rows)
    assert "for 2 problems" in capsys.readouterr().out


def test_sample_split_on_a_benchmark_without_splits_is_one_line(problems_file, tmp_path, capsys):
    from batcoder.eval.runner import write_jsonl

    samples = tmp_path / "s.jsonl"
    write_jsonl(samples, [{"task_id": "x", "completion": "y"}])
    assert main(["rerank", "sample", "--benchmark", "humaneval", "--data", str(problems_file), "--split", "train",
                 "--samples", str(samples), "--output", str(tmp_path / "o.jsonl")]) == 2
    assert "humaneval has only a test split, got 'train'" in capsys.readouterr().err
