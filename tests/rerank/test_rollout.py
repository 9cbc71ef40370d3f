"""The ``rerank`` rollout kind: RewardRanker's alignment reward as a plug-in of the RL trainer."""

import pytest

from batcoder.errors import UserError


@pytest.fixture
def reranker_dir(tiny_lm, tmp_path):
    from batcoder.rerank.model import create_reranker

    return create_reranker(tiny_lm, device="cpu", seed=3, max_length=64).save(tmp_path / "reranker")


def _config(tiny_lm, candidates_file, reranker_dir, tmp_path, *extra):
    from batcoder.config import load_config

    return load_config(None, [f"model.path={tiny_lm}", "model.device=cpu", f"data.corpus={candidates_file}",
                              "rollout.kind=rerank", f"rollout.reward_model={reranker_dir}", "rollout.docs_per_function=3",
                              "rollout.functions_per_step=2", "rollout.max_code_tokens=8", "rl.micro_batch_size=6",
                              "rl.grad_accumulation=1", "rl.lr=1e-4", f"run.output_dir={tmp_path / 'run'}", "run.steps=2",
                              "run.tensorboard=false", "run.checkpoint_every=0", *extra])


def test_rewards_are_the_rerankers_scores_of_each_sampled_solution(tiny_lm, candidates_file, reranker_dir, tmp_path):
    from batcoder.generation import get_backend
    from batcoder.models import load_model
    from batcoder.rerank.model import load_reranker
    from batcoder.rollout import get_rollout

    config = _config(tiny_lm, candidates_file, reranker_dir, tmp_path)
    kind = get_rollout("rerank")
    items, skipped = kind.load_items(config)
    assert [item.task_id for item in items] == ["1", "2", "3", "4"] and skipped == 0
    assert all(item.stop and item.prompt.startswith('"""') for item in items)
    model, tokenizer = load_model(tiny_lm, device="cpu", dtype="float32")
    backend = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=8)
    with kind(backend, tokenizer, config) as rollout:
        trajectories, stats = rollout.run(items[:2], [7, 9], seed=5)
        again, _ = rollout.run(items[:2], [7, 9], seed=5)
    assert [t.group_id for t in trajectories] == [7, 7, 7, 9, 9, 9] and {t.stage for t in trajectories} == {"solution"}
    assert [t.text for t in trajectories] == [t.text for t in again]
    reranker = load_reranker(reranker_dir, device="cpu")
    expected = reranker.score([(items[0 if t.group_id == 7 else 1].prompt, t.text, "python") for t in trajectories])
    assert [t.reward for t in trajectories] == pytest.approx(expected, abs=1e-5)
    assert all(t.response_ids and len(t.response_ids) <= 8 for t in trajectories) and stats.generated_tokens > 0


def test_the_trainer_runs_the_rerank_kind_end_to_end(tiny_lm, candidates_file, reranker_dir, tmp_path):
    from batcoder.training import train

    result = train(_config(tiny_lm, candidates_file, reranker_dir, tmp_path))
    assert result.completed and (result.final_model / "config.json").is_file()


def test_a_missing_reward_model_is_one_line(tiny_lm, candidates_file, tmp_path):
    from batcoder.training import train

    with pytest.raises(UserError, match="rollout.reward_model"):
        train(_config(tiny_lm, candidates_file, tmp_path / "nowhere", tmp_path))
