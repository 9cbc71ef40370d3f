"""`batcoder report`: the table and plots from finished runs (result.json files written by hand)."""

import json

import pytest

from batcoder.experiment.report import collect, mean_std, results_markdown, write_report


def _result(directory, arm, seed, ruby, python, kind="rl"):
    run = directory / "arms" / arm / f"seed-{seed}"
    run.mkdir(parents=True)
    evaluations = [{"step": 0, "ruby": {"pass@1": 0.1, "pass@10": 0.2}, "python": {"pass@1": 0.3, "pass@10": 0.5},
                    "eval/backtranslation": 0.2, "eval/valid_rate": 0.5}]
    if arm != "base":
        evaluations.append({"step": 4, "ruby": {"pass@1": ruby, "pass@10": ruby}, "python": {"pass@1": python, "pass@10": python},
                            "eval/backtranslation": 0.3, "eval/valid_rate": 0.9})
    result = {"experiment": "unit", "arm": arm, "kind": "base" if arm == "base" else kind, "seed": seed,
              "languages": ["ruby", "python"], "evaluations": evaluations, "final": evaluations[-1]}
    (run / "result.json").write_text(json.dumps(result))
    if arm != "base":
        (run / "train").mkdir()
        (run / "train" / "metrics.jsonl").write_text("".join(
            json.dumps({"step": step, "reward/code2doc/mean": 0.1 * step, "reward/doc2code/mean": 0.2, "doc/valid_rate": 0.5}) + "\n"
            for step in range(1, 5)))
    return run


def test_mean_and_sample_std():
    assert mean_std([1.0]) == (1.0, 0.0)
    mean, std = mean_std([1.0, 2.0, 3.0])
    assert mean == 2.0 and std == pytest.approx(1.0)


def test_table_has_every_arm_with_mean_std_and_paired_differences(tmp_path):
    for seed in (0, 1):
        _result(tmp_path, "base", seed, 0, 0)
    _result(tmp_path, "batcoder", 0, ruby=0.2, python=0.3)
    _result(tmp_path, "batcoder", 1, ruby=0.4, python=0.3)
    table = results_markdown(collect([tmp_path]))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert "| base | 2 | 0 | 10.0 ± 0.0 | 20.0 ± 0.0 | 30.0 ± 0.0 | 50.0 ± 0.0 |" in table
    assert "| batcoder | 2 | 4 | 30.0 ± 14.1 |" in table  # ruby pass@1: 20 and 40
    # paired: ruby pass@1 minus the base's 10 of the same seed: +10, +30
    assert "| batcoder | 20.0 ± 14.1 |" in table
    assert "base" in rows and "batcoder" in rows


def test_write_report_writes_table_and_plots(tmp_path):
    _result(tmp_path, "base", 0, 0, 0)
    _result(tmp_path, "batcoder", 0, 0.2, 0.3)
    written = write_report([tmp_path], tmp_path / "report")
    assert {path.name for path in written} == {"results.md", "pass_at_1.png", "rewards.png", "valid_rate.png"}
    assert all(path.stat().st_size > 0 for path in written)


def test_no_finished_runs_is_a_one_line_error(tmp_path, capsys):
    from batcoder.cli import main

    assert main(["report", str(tmp_path)]) == 2
    assert "no finished runs" in capsys.readouterr().err
