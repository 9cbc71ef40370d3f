"""RewardRanker on problems posed by their documentation (the code world's): candidates keep the
documentation, the alignment rollout asks the doc->code request the generator is sampled with, and
the reranker scores each reply as the completion it runs as."""

import json

import pytest

from batcoder.errors import UserError


@pytest.fixture(scope="module")
def world_benchmark(tmp_path_factory):
    from batcoder.eval import get_benchmark
    from batcoder.world import build_world

    directory = tmp_path_factory.mktemp("world")
    build_world(directory, size="tiny", progress=False)
    return get_benchmark("world:python", directory / "benchmark-python.jsonl")


@pytest.fixture(scope="module")
def world_candidates(world_benchmark, tmp_path_factory):
    """Each of the first three problems: its reference function written as a doc->code reply (passes)
    and another problem's body under its header (fails)."""
    from batcoder.eval.sampling import completion_of_reply
    from batcoder.rerank.sample import label_samples

    problems = list(world_benchmark.problems().values())[:4]
    samples = []
    for problem, other in zip(problems[:3], problems[1:4]):
        header = problem.prompt.splitlines()[0]
        for body in (problem.canonical_solution, other.canonical_solution):
            reply = f"```python\n{header}\n{body}```"
            samples.append({"task_id": problem.task_id, "completion": completion_of_reply(problem.prompt, "python", reply)})
    rows = label_samples(world_benchmark, samples, workers=1, timeout_s=20, show_progress=False)
    path = tmp_path_factory.mktemp("candidates") / "world.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path, rows, problems


def test_candidates_keep_the_documentation_and_replies_run_as_completions(world_candidates):
    _, rows, problems = world_candidates
    assert [row["passed"] for row in rows[::2]] == [True, True, True], [row["result"] for row in rows]
    assert all(row["documentation"] == problems[index // 2].extra["documentation"] for index, row in enumerate(rows))
    differing = [row for row, problem in zip(rows[1::2], problems) if problem.canonical_solution != problems[problems.index(problem) + 1].canonical_solution]
    assert differing and not any(row["passed"] for row in differing)


class RecordingBackend:
    """Replies with each problem's reference body after the prefilled signature; records the prompts."""

    def __init__(self, bodies):
        self.bodies, self.prompts, self.stops = bodies, [], []

    def generate(self, prompts, *, n, max_new_tokens, temperature, top_p, stop, seed):
        from batcoder.generation import Completion

        self.prompts.extend(prompts)
        self.stops.append(stop)
        return [[Completion(self.bodies[prompt] + "```", [1], [2, 3], "stop") for _ in range(n)] for prompt in prompts]


def test_the_alignment_rollout_asks_the_documentation_and_scores_the_completion(world_candidates, tiny_lm, tmp_path):
    from batcoder.config import load_config
    from batcoder.eval.sampling import completion_of_reply, documentation_request
    from batcoder.models import load_model
    from batcoder.rerank.model import create_reranker, load_reranker
    from batcoder.rollout import get_rollout

    path, rows, problems = world_candidates
    reranker_dir = create_reranker(tiny_lm, device="cpu", seed=3, max_length=128).save(tmp_path / "reranker")
    config = load_config(None, [f"model.path={tiny_lm}", "model.device=cpu", f"data.corpus={path}", "rollout.kind=rerank",
                                f"rollout.reward_model={reranker_dir}", "rollout.docs_per_function=2",
                                "rollout.problem_prompt=documentation", "rollout.give_signature=true",
                                "rollout.prefill_signature=true", f"run.output_dir={tmp_path / 'run'}"])
    kind = get_rollout("rerank")
    items, _ = kind.load_items(config)
    assert [item.task_id for item in items] == [problem.task_id for problem in problems[:3]]
    _, tokenizer = load_model(tiny_lm, device="cpu", dtype="float32")
    requests = [documentation_request(tokenizer, p.prompt, "python", p.extra["documentation"], p.extra.get("signature"), True)
                for p in problems[:3]]
    assert all(p.extra["documentation"] in prompt and prompt.endswith(start) and start.startswith("```python\ndef ")
               for p, (prompt, start) in zip(problems, requests))
    backend = RecordingBackend({prompt: problem.canonical_solution for (prompt, _), problem in zip(requests, problems)})
    with kind(backend, tokenizer, config) as rollout:
        trajectories, _ = rollout.run(items, [4, 5, 6], seed=0)
    assert backend.prompts == [prompt for prompt, _ in requests] and backend.stops == [()]
    completions = [completion_of_reply(p.prompt, "python", start + p.canonical_solution + "```")
                   for p, (_, start) in zip(problems, requests)]
    assert completions == [row["completion"] for row in rows[::2]]  # the passing candidates' completions
    expected = load_reranker(reranker_dir, device="cpu").score([(p.prompt, c, "python") for p, c in zip(problems, completions) for _ in range(2)])
    assert [t.reward for t in trajectories] == pytest.approx(expected, abs=1e-5)


def test_documentation_prompts_need_problems_with_documentation(tiny_lm, candidates_file, problems_file, held_out_problems_file, tmp_path):
    from batcoder.config import load_config
    from batcoder.rerank.iterate import Loop, load_iterate_config
    from batcoder.rollout import get_rollout

    config = load_config(None, [f"model.path={tiny_lm}", f"data.corpus={candidates_file}", "rollout.kind=rerank",
                                "rollout.problem_prompt=documentation", f"run.output_dir={tmp_path / 'run'}"])
    with pytest.raises(UserError, match="problem 1 has no documentation"):
        get_rollout("rerank").load_items(config)
    with pytest.raises(UserError, match="generator.prefill_signature"):
        load_iterate_config(None, ["generator.prefill_signature=true"])
    loop_config = load_iterate_config(None, [f"generator.path={tiny_lm}", "generator.prompt_style=documentation",
                                             f"problems.data={problems_file}", f"problems.eval_data={held_out_problems_file}",
                                             "problems.split=all", "problems.eval_split=all"])
    with pytest.raises(UserError, match="generator.prompt_style.*problem 1 of mbpp has no documentation"):
        Loop(loop_config)


def test_rerank_sample_with_documentation_on_undocumented_problems_is_one_line(problems_file, tiny_lm, tmp_path, capsys):
    from batcoder.cli import main

    output = tmp_path / "c.jsonl"
    common = ["rerank", "sample", "--benchmark", "mbpp", "--data", str(problems_file), "--split", "all",
              "--model", str(tiny_lm), "--output", str(output)]
    assert main([*common, "--prompt-style", "documentation"]) != 0
    assert "has no documentation" in capsys.readouterr().err
    assert main([*common, "--prefill-signature"]) != 0
    assert "--prefill-signature needs --prompt-style documentation" in capsys.readouterr().err
    assert not output.exists()
