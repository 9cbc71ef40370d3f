import json

import pytest

from batcoder.errors import UserError
from batcoder.rerank.iterate import load_iterate_config, run_rounds


def _overrides(tiny_lm, problems_file, held_out_problems_file, candidates_file, output_dir, *extra):
    return [f"generator.path={tiny_lm}", "generator.max_new_tokens=8", f"problems.data={problems_file}", "problems.split=all",
            f"problems.eval_data={held_out_problems_file}", "problems.eval_split=all", f"reranker.model.base={tiny_lm}",
            "reranker.model.max_length=64", "reranker.train.steps=3", "reranker.run.tensorboard=false",
            f"iterate.initial_candidates={candidates_file}", f"iterate.output_dir={output_dir}", "iterate.eval_candidates_per_problem=2",
            "iterate.selectors=reranker,random,oracle,logprob,reranker+roundtrip", "iterate.workers=1", *extra]


def test_round_zero_trains_a_reranker_evaluates_held_out_and_is_not_redone(tiny_lm, problems_file, held_out_problems_file,
                                                                          candidates_file, tmp_path, capsys):
    config = load_iterate_config(None, _overrides(tiny_lm, problems_file, held_out_problems_file, candidates_file,
                                                  tmp_path / "loop", "iterate.rounds=0"))
    [summary] = run_rounds(config)
    round_dir = tmp_path / "loop" / "round-0"
    assert (round_dir / "reranker" / "model" / "reranker.json").is_file()
    assert summary["training_candidates"] == 8 and summary["hard_negatives_found"] is None
    assert set(summary["selectors"]) == {"reranker", "random", "oracle", "logprob", "reranker+roundtrip"}
    assert summary["problems"] == 2 and summary["candidates_per_problem"] == {"min": 2, "max": 2}
    assert summary["generator_pass@1"] == summary["single_sample_pass@1"]
    eval_rows = [json.loads(line) for line in (round_dir / "eval_candidates.jsonl").read_text().splitlines()]
    assert {row["task_id"] for row in eval_rows} == {"11", "12"}
    assert "round 0:" in capsys.readouterr().out
    before = (round_dir / "summary.json").read_text()
    assert run_rounds(config)[0]["round"] == 0 and (round_dir / "summary.json").read_text() == before
    assert "complete, kept" in capsys.readouterr().out


def test_training_and_held_out_problems_must_differ(tiny_lm, problems_file, candidates_file, tmp_path):
    config = load_iterate_config(None, _overrides(tiny_lm, problems_file, problems_file, candidates_file, tmp_path / "loop"))
    with pytest.raises(UserError, match="also training problems"):
        run_rounds(config)


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(UserError, match="iterate.selectors"):
        load_iterate_config(None, ["iterate.selectors=reranker,best"])
    with pytest.raises(UserError, match="reranker.train.stepz"):
        load_iterate_config(None, ["reranker.train.stepz=1"])
    with pytest.raises(UserError, match="align.steps"):
        load_iterate_config(None, ["align.steps=0"])


@pytest.mark.parametrize("name", ["rerank-world-cpu.yaml", "rerank-qwen2.5-coder-gpu.yaml"])
def test_shipped_configs_load(name):
    from pathlib import Path

    # devices this machine lacks are refused at load: the GPU recipe is checked with them set to cpu
    config = load_iterate_config(Path(__file__).parents[2] / "configs" / name, ["generator.device=cpu", "reranker.model.device=cpu"])
    assert config.iterate.rounds == 2 and config.align.config.startswith("configs/rerank-align-")
    from batcoder.config import load_config

    align = load_config(Path(__file__).parents[2] / config.align.config, ["model.device=cpu"])
    assert align.rollout.kind == "rerank"


@pytest.mark.slow
def test_a_self_training_round_aligns_samples_mines_and_retrains(tiny_lm, problems_file, held_out_problems_file,
                                                                candidates_file, tmp_path, monkeypatch):
    from pathlib import Path

    import batcoder.rerank.iterate as iterate

    align_config = Path(__file__).parents[2] / "configs" / "rerank-align-cpu.yaml"
    overrides = _overrides(tiny_lm, problems_file, held_out_problems_file, candidates_file, tmp_path / "loop",
                           "iterate.rounds=1", "iterate.candidates_per_problem=2", f"align.config={align_config}",
                           "align.steps=1", "iterate.selectors=reranker,random")
    mined = []
    real = iterate.hard_negatives

    def spy(task_ids, passed, scores):
        found = real(task_ids, passed, scores)
        mined.append((list(task_ids), list(passed), list(scores), found))
        return found

    monkeypatch.setattr(iterate, "hard_negatives", spy)
    summaries = run_rounds(load_iterate_config(None, overrides))
    round_dir = tmp_path / "loop" / "round-1"
    assert [s["round"] for s in summaries] == [0, 1]
    assert (round_dir / "generator" / "final-model" / "config.json").is_file()
    assert summaries[1]["generator"] == str(round_dir / "generator" / "final-model")
    fresh = [json.loads(line) for line in (round_dir / "fresh.jsonl").read_text().splitlines()]
    assert len(fresh) == 4 * 2
    [(task_ids, passed, scores, found)] = mined
    assert task_ids == [row["task_id"] for row in fresh] and passed == [row["passed"] for row in fresh]
    added = [json.loads(line) for line in (round_dir / "hard_negatives.jsonl").read_text().splitlines()]
    assert [row["completion"] for row in added] == list(dict.fromkeys(fresh[i]["completion"] for i in found))
    training = (round_dir / "candidates.jsonl").read_text().splitlines()
    assert len(training) == 8 + len(added) == summaries[1]["training_candidates"]
    assert summaries[1]["hard_negatives_found"] == len(found) and summaries[1]["hard_negatives_added"] == len(added)
    assert (round_dir / "reranker" / "model" / "reranker.json").is_file()
