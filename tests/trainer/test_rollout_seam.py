"""The rollout-kind seam: a toy reward (is the response's token count even?) plugged in as a rollout
kind trains through the same step, run and checkpoints as BatCoder, and the step never names
BatCoder's stages."""

import pytest
import torch

import batcoder.rollout
from batcoder.config import load_config
from batcoder.errors import UserError
from batcoder.rl.metrics import read_metrics
from batcoder.rollout.base import Rollout, RolloutStats, Trajectory
from batcoder.training import train


class ParityRollout(Rollout):
    """Items are short prompts; each gets 4 samples, rewarded 1 when their token count is even."""

    name = "parity"
    stages = ("answer",)
    calls: list = []

    @classmethod
    def load_items(cls, config, *, held_out=False):
        return [f"count {i}:" for i in range(5)], 1

    def run(self, items, group_ids, seed):
        ParityRollout.calls.append((list(items), list(group_ids), seed))
        completions = self.backend.generate(items, n=4, max_new_tokens=6, temperature=self.config.rollout.temperature, seed=seed)
        trajectories = [
            Trajectory("answer", group, c.prompt_ids, c.completion_ids, c.text, c.finish_reason, reward=float(len(c.completion_ids) % 2 == 0))
            for group, samples in zip(group_ids, completions) for c in samples
        ]
        return trajectories, RolloutStats(generated_tokens=sum(len(t.response_ids) for t in trajectories))

    def metrics(self, trajectories):
        return {"parity/even_rate": sum(t.reward for t in trajectories) / len(trajectories)}


@pytest.fixture
def with_parity(monkeypatch):
    kinds = {**batcoder.rollout._registry(), "parity": ParityRollout}
    monkeypatch.setattr(batcoder.rollout, "_registry", lambda: kinds)
    ParityRollout.calls = []


def test_a_new_rollout_kind_trains_through_the_same_step(tmp_path, tiny_model, with_parity):
    config = load_config(None, [
        "rollout.kind=parity", f"model.path={tiny_model}", "model.device=cpu", "rollout.functions_per_step=3",
        "rollout.reward_workers=0", "rl.micro_batch_size=6", "rl.grad_accumulation=1", "rl.epochs=2", "rl.lr=1e-2",
        "rl.dynamic_sampling=false", "run.steps=2", "run.checkpoint_every=1", "run.tensorboard=false",
        f"run.output_dir={tmp_path / 'run'}", "run.threads=1",
    ])
    before = {k: v.clone() for k, v in _state(tiny_model).items()}
    result = train(config)
    assert result.completed and result.steps_done == 2
    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert [r["step"] for r in records] == [1, 2]
    for record in records:
        assert record["reward/answer/n"] == 12 and record["trajectories_trained"] == 12 and record["groups_trained"] == 3
        assert "parity/even_rate" in record and not any(key.startswith(("doc/", "reward/code2doc")) for key in record)
    assert len(ParityRollout.calls) == 2 and all(groups == [0, 1, 2] for _, groups, _ in ParityRollout.calls)
    after = _state(result.final_model)
    assert any(not torch.equal(before[name], after[name]) for name in before), "the parity reward changed no parameter"


def test_rollout_kind_and_its_stages_are_checked_when_the_config_loads(with_parity):
    assert load_config(None, ["rollout.kind=parity", "rl.train_stages=answer"]).rl.train_stages == "answer"
    with pytest.raises(UserError, match=r"config key 'rl.train_stages'.*among answer"):
        load_config(None, ["rollout.kind=parity", "rl.train_stages=doc2code"])
    with pytest.raises(UserError, match=r"config key 'rollout.kind': unknown 'nope'; available: backtranslation, parity"):
        load_config(None, ["rollout.kind=nope"])


def _state(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path).state_dict()
