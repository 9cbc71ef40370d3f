import json
import re

import pytest

from batcoder.cli import main
from batcoder.generation import Completion
from batcoder.rerank.select import (
    Candidate, agreement, agreement_scores, build_scorers, combined_scorer, mean_log_probs, oracle_scores, pick, random_scorer, reranker_scorer,
    roundtrip_scorer, select_best, standardise,
)


def _group(*passed):
    return [Candidate("", f"x = {index}\n", "python", flag) for index, flag in enumerate(passed)]


def test_pick_takes_the_best_and_the_earliest_on_a_tie():
    assert pick([0.1, 0.5, 0.3]) == 1 and pick([0.5, 0.5, 0.1]) == 0
    with pytest.raises(ValueError):
        pick([])


def test_standardise():
    assert standardise([1.0, 3.0]) == [-1.0, 1.0] and standardise([2.0, 2.0]) == [0.0, 0.0]


def test_oracle_picks_a_passing_candidate_when_there_is_one():
    groups = [_group(False, True, False), _group(False, False)]
    assert [pick(scores) for scores in oracle_scores(groups)] == [1, 0]


def test_random_is_seeded_and_spreads_its_picks():
    groups = [_group(True, False, False, False)] * 400
    picks = [pick(s) for s in random_scorer(7)(groups)]
    assert picks == [pick(s) for s in random_scorer(7)(groups)] != [pick(s) for s in random_scorer(8)(groups)]
    assert all(60 < picks.count(index) < 140 for index in range(4))


class LengthReranker:
    def score(self, candidates, batch_size=16):
        return [float(len(completion)) for _, completion, _ in candidates]


def test_reranker_scores_each_candidate_and_keeps_problems_apart():
    groups = [[Candidate("p", "aa", "python", False), Candidate("p", "aaaa", "python", True)],
              [Candidate("q", "bbbbb", "python", True), Candidate("q", "b", "python", False), Candidate("q", "bb", "python", False)]]
    assert reranker_scorer(LengthReranker())(groups) == [[2.0, 4.0], [5.0, 1.0, 2.0]]
    report = select_best(groups, {"reranker": reranker_scorer(LengthReranker())})
    assert report["selectors"]["reranker"] == {"pass@1": 1.0, "picks": [1, 0]}
    assert report["single_sample_pass@1"] == pytest.approx((1 / 2 + 1 / 3) / 2) and report["oracle_pass@n"] == 1.0


def test_combined_sums_standardised_scores():
    groups = [_group(False, False, False)]
    first = lambda groups: [[0.0, 10.0, 5.0]]  # noqa: E731
    second = lambda groups: [[3.0, 0.0, 2.9]]  # noqa: E731
    # standardised: [-1.22, 1.22, 0] + [0.73, -1.41, 0.68] -> the third candidate
    assert pick(combined_scorer(first, second)(groups)[0]) == 2


def test_mean_log_probs_match_a_direct_computation_and_ignore_padding(tiny_lm):
    import torch

    from batcoder.models import load_model
    from batcoder.models.prompting import encode_prompt

    model, tokenizer = load_model(tiny_lm, device="cpu", dtype="float32")
    pairs = [("def add(a, b):\n", "    return a + b\n"), ("x", " = 1"), ("def f():\n    return 1\n", "\n")]
    batched = mean_log_probs(model, tokenizer, pairs, batch_size=3)
    for (prompt, completion), value in zip(pairs, batched):
        prompt_ids = encode_prompt(tokenizer, prompt)
        completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt_ids + completion_ids])
        with torch.no_grad():
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
        expected = sum(log_probs[len(prompt_ids) - 1 + i, token].item() for i, token in enumerate(completion_ids)) / len(completion_ids)
        assert value == pytest.approx(expected, abs=1e-4)
    assert mean_log_probs(model, tokenizer, pairs, batch_size=1) == pytest.approx(batched, abs=1e-4)


def test_logprob_scores_what_the_generator_wrote_given_what_it_was_asked(tiny_lm):
    from batcoder.models import load_model
    from batcoder.rerank.select import logprob_scorer

    model, tokenizer = load_model(tiny_lm, device="cpu", dtype="float32")
    completion_style = Candidate("def f(x):\n", "    return x\n", "python", True)
    documentation_style = Candidate("def f(x):\n", "    return x\n", "python", True,
                                    request="Write f.\n```python\ndef f(x):\n", reply="    return x\n```")
    scores = logprob_scorer(model, tokenizer)([[completion_style, documentation_style]])[0]
    expected = mean_log_probs(model, tokenizer, [("def f(x):\n", "    return x\n"), ("Write f.\n```python\ndef f(x):\n", "    return x\n```")])
    assert scores == pytest.approx(expected, abs=1e-5) and scores[0] != pytest.approx(scores[1], abs=1e-3)


class EchoBackend:
    """Documents code it likes by quoting it, the rest as nonsense; writes documentation back as code."""

    def __init__(self):
        self.prompts = []

    def generate(self, prompts, *, n=1, max_new_tokens=256, temperature=1.0, top_p=1.0, stop=(), seed=None):
        outputs = []
        for prompt in prompts:
            self.prompts.append(prompt)
            if "Document this" in prompt:
                code = re.search(r"```python\n(.*?)\n```", prompt, re.S).group(1)
                text = code if "good" in code else "It does something."
            else:
                text = "```python\n" + prompt.split("describes.\n\n", 1)[1].split("\n\nUse this signature")[0] + "\n```"
            outputs.append([Completion(text, [1], [2], "stop")] * n)
        return outputs


class Chatless:
    chat_template = None


def test_roundtrip_prefers_the_candidate_that_survives_documentation_and_back():
    prompt = '"""\nReturn the double of x.\n"""\n'
    bad = Candidate(prompt, "def double(x):\n    return x * 3\n", "python", False)
    good = Candidate(prompt, "def double(x):\n    good = x * 2\n    return good\n", "python", True)
    backend = EchoBackend()
    scores = roundtrip_scorer(backend, Chatless())([[bad, good]])
    assert scores[0][1] == pytest.approx(1.0) and scores[0][0] < 0.5 and pick(scores[0]) == 1
    code_prompts = [p for p in backend.prompts if "Document this" not in p]
    assert all("Use this signature: def double(x):" in p for p in code_prompts)
    assert not any("Return the double" in p for p in backend.prompts)  # the problem statement is not documented


def test_agreement_is_the_mean_share_of_inputs_matching_each_other_candidate():
    assert agreement([["1", "2"], ["1", "3"], ["1", "2"], [None, None]]) == [
        pytest.approx((0.5 + 1.0 + 0.0) / 3), pytest.approx((0.5 + 0.5) / 3), pytest.approx((1.0 + 0.5) / 3), 0.0]
    assert agreement([[None], [None]]) == [0.0, 0.0]  # failing alike is no agreement
    assert agreement([["1"]]) == [0.0]


def test_agreement_picks_the_behaviour_most_candidates_share_without_the_tests():
    prompt = 'def double(x: int) -> int:\n    """Return the double of x."""\n'
    candidates = [Candidate(prompt, "    return x * 3\n", "python", False),
                  Candidate(prompt, "    return x + x\n", "python", True),
                  Candidate(prompt, "    return 2 * x\n", "python", True),
                  Candidate(prompt, "    raise ValueError(x)\n", "python", False),
                  Candidate(prompt, "    return (\n", "python", False)]  # does not parse
    scores = agreement_scores([candidates])[0]
    # the two doublers agree everywhere (1/4 of the others), and x * 3 meets them only where x is 0
    assert scores[1] == scores[2] and 0.25 <= scores[1] < 0.3 and pick(scores) == 1
    assert scores[3] == scores[4] == 0.0 and scores[0] == pytest.approx(2 * (scores[1] - 0.25))


def test_build_scorers_combines_names(tiny_lm, tmp_path):
    from batcoder.rerank.model import create_reranker

    create_reranker(tiny_lm, device="cpu").save(tmp_path / "r")
    scorers = build_scorers(["oracle", "random", f"reranker:{tmp_path / 'r'}+roundtrip"], generator=(EchoBackend(), Chatless()))
    groups = [_group(False, True)]
    assert set(scorers) == {"oracle", "random", f"reranker:{tmp_path / 'r'}+roundtrip"}
    assert all(len(scorer(groups)[0]) == 2 for scorer in scorers.values())


def test_evaluate_select_prints_one_table_and_writes_the_picks(problems_file, tiny_lm, tmp_path, capsys):
    from batcoder.rerank.model import create_reranker

    create_reranker(tiny_lm, device="cpu").save(tmp_path / "reranker")
    samples = tmp_path / "samples.jsonl"
    rows = [{"task_id": 1, "completion": "def add(a, b):\n    return a - b\n"},
            {"task_id": 1, "completion": "def add(a, b):\n    return a + b\n"},
            {"task_id": 2, "completion": "def double(x):\n    return x + 2\n"},
            {"task_id": 2, "completion": "def double(x):\n    return 2 + x\n"}]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "results.jsonl"
    assert main(["evaluate", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--samples", str(samples),
                 "--output", str(output), "--k", "1", "--workers", "1", "--select", "oracle", "--select", "random",
                 "--select", f"reranker:{tmp_path / 'reranker'}"]) == 0
    out = capsys.readouterr().out
    assert "best-of-2 selection, 2 problems" in out and "oracle (pass@2)" in out and "single sample" in out
    report = json.loads((tmp_path / "results.selection.json").read_text())
    assert report["selectors"]["oracle"] == {"pass@1": 0.5, "picks": [1, 0]}
    assert report["single_sample_pass@1"] == 0.25 and report["task_ids"] == ["1", "2"]


def test_evaluate_scores_existing_samples_with_a_selector_model(problems_file, tiny_lm, tmp_path, capsys):
    from batcoder.eval import get_benchmark
    from batcoder.models import load_model

    samples = tmp_path / "samples.jsonl"
    completions = ["def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n"]
    samples.write_text("".join(json.dumps({"task_id": 1, "completion": c}) + "\n" for c in completions))
    before = samples.read_text()
    assert main(["evaluate", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--samples", str(samples),
                 "--output", str(tmp_path / "results.jsonl"), "--k", "1", "--workers", "1", "--select", "logprob",
                 "--selector-model", str(tiny_lm), "--device", "cpu"]) == 0
    assert samples.read_text() == before  # scored, not regenerated
    report = json.loads((tmp_path / "results.selection.json").read_text())
    model, tokenizer = load_model(tiny_lm, device="cpu", dtype="float32")
    prompt = get_benchmark("mbpp", problems_file, "all").problems()["1"].prompt
    expected = mean_log_probs(model, tokenizer, [(prompt, completion) for completion in completions])
    assert report["selectors"]["logprob"]["picks"] == [pick(expected)]


@pytest.mark.parametrize("select, message", [("best", "unknown selector"), ("logprob", "give --model"),
                                             ("reranker:/nonexistent", "not a reranker directory"),
                                             ("oracle+roundtrip", "can be combined")])
def test_evaluate_refuses_bad_selectors_before_any_work(problems_file, tmp_path, capsys, select, message):
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": 1, "completion": "x"}) + "\n")
    assert main(["evaluate", "--benchmark", "mbpp", "--split", "all", "--data", str(problems_file), "--samples", str(samples),
                 "--output", str(tmp_path / "r.jsonl"), "--select", select]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "r.jsonl").exists()
