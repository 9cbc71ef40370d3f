from pathlib import Path

import pytest

from batcoder.errors import UserError
from batcoder.config import TrainConfig, load_config, save_config


def test_defaults_follow_the_paper_except_the_measured_reward():
    config = load_config(None)
    assert isinstance(config, TrainConfig)
    assert config.rollout.docs_per_function == 8
    assert config.rl.advantage == "reinforce++"
    assert config.rl.kl_beta == 0.0
    # The paper's CSSG blended with execution: best AUROC on the round-trip set (docs/cssg.md).
    assert config.rollout.similarity_metric == "cssg+exec"


def test_yaml_and_dotted_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("rl:\n  lr: 1.0e-5\n  advantage: grpo\nrun:\n  steps: 3\n")
    config = load_config(path, ["rl.lr=2e-5", "rollout.temperature=1", "data.max_functions=null", "run.output_dir=x"])
    assert config.rl.lr == 2e-5
    assert config.rl.advantage == "grpo"
    assert config.rollout.temperature == 1.0 and isinstance(config.rollout.temperature, float)
    assert config.run.steps == 3
    assert config.data.max_functions is None


def test_round_trip_through_saved_yaml(tmp_path):
    config = load_config(None, ["rl.train_stages=doc2code", "model.device=cpu"])
    save_config(config, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml") == config


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["rl.learning_rate=1"], "config key 'rl.learning_rate': unknown key"),
        (["optim.lr=1"], "config key 'optim': unknown key"),
        (["rl.advantage=ppo"], "config key 'rl.advantage': 'ppo' is not one of"),
        (["run.steps=ten"], "config key 'run.steps': expected int"),
        (["run.steps=1.5"], "config key 'run.steps': expected int"),
        (["rl.dynamic_sampling=3"], "config key 'rl.dynamic_sampling': expected bool"),
        (["run.steps=0"], "config key 'run.steps': must be > 0"),
        (["rl.lr=-1"], "config key 'rl.lr': must be >= 0"),
        (["rollout.top_p=1.5"], "config key 'rollout.top_p'"),
        (["rl=3"], "config key 'rl': expected a mapping"),
        (["steps"], "expected key=value"),
        (["rl.lr=inf"], "config key 'rl.lr': must be a finite number, got 'inf'"),
        (["rl.lr=.nan"], "config key 'rl.lr': must be a finite number"),
        (["rollout.temperature=-1"], "config key 'rollout.temperature': must be > 0"),
        (["model.device=banana"], "config key 'model.device': 'banana' is not a torch device"),
        (["rollout.similarity_metric=nope"], "config key 'rollout.similarity_metric': unknown 'nope'; available: bleu, chrf, codebleu, cssg, cssg+exec, exact, exec"),
        (["rollout.backend=vllm-server"], "config key 'rollout.backend': unknown 'vllm-server'; available: hf, hf-continuous, vllm"),
        (["rollout.kind=ranker"], "config key 'rollout.kind': unknown 'ranker'; available: backtranslation, rerank"),
        (["rl.train_stages=both"], "config key 'rl.train_stages': 'both': expected all or stages among code2doc, doc2code"),
        (["model.dtype=fp8"], "config key 'model.dtype': 'fp8' is not one of auto"),
    ],
)
def test_bad_values_name_the_key(overrides, message):
    with pytest.raises(UserError) as error:
        load_config(None, overrides)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_file_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rl:\n  lr: [1\n")
    with pytest.raises(UserError, match=r"bad.yaml:\d+: invalid YAML"):
        load_config(path)
    path.write_text("rl:\n  clip: 0.1\n")
    with pytest.raises(UserError, match=r"bad.yaml: config key 'rl.clip': unknown key"):
        load_config(path)
    with pytest.raises(UserError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")


# configs/rerank-*.yaml are RewardRanker's (tests/rerank/test_iterate.py checks them)
@pytest.mark.parametrize("path", sorted(p for p in Path(__file__).resolve().parents[2].glob("configs/*.yaml")
                                        if not p.name.startswith("rerank-")), ids=lambda p: p.name)
def test_shipped_configs_are_valid(path):
    config = load_config(path)
    assert config.rollout.docs_per_function == 8 and config.rl.kl_beta == 0.0


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_a_device_this_machine_lacks_is_refused_at_load():
    with pytest.raises(UserError, match="config key 'model.device': 'cuda' is not available on this machine"):
        load_config(None, ["model.device=cuda"])


def test_config_differences_compare_paths_resolved(tmp_path, monkeypatch):
    from batcoder.config import config_differences

    monkeypatch.chdir(tmp_path)
    saved = load_config(None, ["model.path=./models/m", "data.corpus=c.jsonl", "run.output_dir=./r"])
    same = load_config(None, [f"model.path={tmp_path / 'models/m'}", "data.corpus=./c.jsonl", "run.output_dir=/elsewhere/r"])
    assert config_differences(saved, same, ignore=("run.output_dir",)) == []
    changed = load_config(None, ["model.path=./models/m", "data.corpus=c.jsonl", "rl.lr=2e-6", "rollout.top_p=0.9"])
    assert config_differences(saved, changed, ignore=("run.output_dir",)) == [("rollout.top_p", 1.0, 0.9), ("rl.lr", 1e-6, 2e-6)]
