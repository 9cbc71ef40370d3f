"""`batcoder experiment` end to end at CI size (configs/experiments/smoke.yaml): every arm runs, the
files are written, a rerun skips finished runs, another experiment in the same directory is refused.
It asserts the pipeline, not the result (a 28k-parameter model after 4 pretraining steps writes nothing)."""

import json
from pathlib import Path

import pytest
import yaml

from batcoder.experiment.arms import ARMS

SMOKE = Path(__file__).parents[2] / "configs" / "experiments" / "smoke.yaml"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from batcoder.cli import main

    output = tmp_path_factory.mktemp("smoke") / "run"
    assert main(["experiment", "--config", str(SMOKE), "--output-dir", str(output), "--models-dir", str(output / "models"),
                 "--jobs", "2"]) == 0  # two runs at a time, each its own process (the rerun below: one process)
    return output


@pytest.mark.slow
def test_every_arm_runs_and_is_reported(smoke_run):
    config = yaml.safe_load(SMOKE.read_text())
    assert set(config["arms"]) == set(ARMS)
    assert yaml.safe_load((smoke_run / "experiment.yaml").read_text())["arms"] == config["arms"]  # every arm run, not the last part's
    table = (smoke_run / "results.md").read_text()
    for arm in ARMS:
        result = json.loads((smoke_run / "arms" / arm / "seed-0" / "result.json").read_text())
        steps = [record["step"] for record in result["evaluations"]]
        assert steps == ([0] if arm == "base" else [0, 2]), arm  # SFT: base, then after its budget
        for language in ("ruby", "python"):
            assert set(result["final"][language]) == {"pass@1", "pass@2"}
            assert 0.0 <= result["final"][language]["pass@1"] <= 1.0
        assert "eval/backtranslation" in result["final"]
        assert f"| {arm} | 1 |" in table
        assert f"{arm}/seed-0 step" in (smoke_run / "arms" / arm / "seed-0" / "experiment.log").read_text()  # its process's output
        if ARMS[arm].kind == "rl":
            metrics = (smoke_run / "arms" / arm / "seed-0" / "train" / "metrics.jsonl").read_text().splitlines()
            assert [json.loads(line)["step"] for line in metrics] == [0, 1, 2]
    trained = yaml.safe_load((smoke_run / "arms" / "stage1-frozen" / "seed-0" / "train-config.yaml").read_text())
    assert trained["rl"]["train_stages"] == "doc2code" and trained["data"]["language"] == "ruby"
    metrics = {arm: yaml.safe_load((smoke_run / "arms" / arm / "seed-0" / "train-config.yaml").read_text())["rollout"]["similarity_metric"]
               for arm in ARMS if ARMS[arm].kind == "rl"}
    assert metrics == {"batcoder": "cssg", "stage1-frozen": "cssg", "codebleu": "codebleu", "exact": "exact",
                       "exec": "exec", "cssg+exec": "cssg+exec"}  # each arm trains with the reward it names
    samples = (smoke_run / "arms" / "batcoder" / "seed-0" / "eval" / "step-0002-ruby.jsonl").read_text().splitlines()
    assert len(samples) == 3 * 2  # problems x samples, every sample with its verdict
    assert all("passed" in json.loads(line) for line in samples)
    for plot in ("pass_at_1.png", "rewards.png", "valid_rate.png"):
        assert (smoke_run / plot).stat().st_size > 0
    from batcoder.config import QUICKSTART_MODEL

    quickstart = yaml.safe_load((SMOKE.parent / "quickstart.yaml").read_text())["output_dir"]
    assert (smoke_run / Path(QUICKSTART_MODEL).relative_to(quickstart) / "config.json").is_file()  # the configs' default model
    pretrain_record = next((smoke_run / "models").glob("pretrain-*/batcoder_pretrain.json"))
    assert json.loads(pretrain_record.read_text())["tokens_trained"] > 0


@pytest.mark.slow
def test_rerun_skips_finished_runs_and_report_redraws(smoke_run, capsys):
    from batcoder.cli import main

    result = smoke_run / "arms" / "batcoder" / "seed-0" / "result.json"
    before = result.stat().st_mtime_ns
    assert main(["experiment", "--config", str(SMOKE), "--output-dir", str(smoke_run), "--models-dir", str(smoke_run / "models")]) == 0
    out = capsys.readouterr().out
    assert "base model reused" in out and "batcoder seed 0: finished earlier, skipped" in out
    assert result.stat().st_mtime_ns == before

    (smoke_run / "results.md").unlink()
    assert main(["report", str(smoke_run)]) == 0
    assert "| batcoder | 1 |" in (smoke_run / "results.md").read_text()


@pytest.mark.slow
def test_another_experiment_in_the_same_directory_is_refused(smoke_run, tmp_path, capsys):
    from batcoder.cli import main

    config = yaml.safe_load(SMOKE.read_text())
    config["train"]["rl"]["lr"] = 1.0e-3
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    assert main(["experiment", "--config", str(changed), "--output-dir", str(smoke_run), "--models-dir", str(smoke_run / "models")]) == 2
    assert "holds a different experiment (differs in: train)" in capsys.readouterr().err


def test_a_bad_config_is_a_one_line_error_naming_the_key(tmp_path, capsys):
    from batcoder.cli import main

    config = yaml.safe_load(SMOKE.read_text())
    config["arms"] = ["base", "nope"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["experiment", "--config", str(path)]) == 2
    assert "unknown arm 'nope'" in capsys.readouterr().err
    config["arms"], config["train"]["rl"]["lr"] = ["base"], "fast"
    path.write_text(yaml.safe_dump(config))
    assert main(["experiment", "--config", str(path)]) == 2
    assert "rl.lr" in capsys.readouterr().err
