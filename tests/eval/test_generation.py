import json

import pytest

from batcoder.cli import main
from batcoder.eval import Problem
from batcoder.eval.sampling import generate_samples
from batcoder.generation import Completion


class RecordingBackend:
    """Answers each prompt with its index and sample number; records the calls."""

    def __init__(self):
        self.calls = []

    def generate(self, prompts, *, n, max_new_tokens, temperature, top_p, stop, seed):
        self.calls.append({"prompts": list(prompts), "n": n, "stop": stop, "temperature": temperature})
        return [[Completion(f"{prompt}#{sample}", [], [], "stop") for sample in range(n)] for prompt in prompts]


def problem(task_id, stop):
    return Problem(task_id=task_id, prompt=f"p{task_id}", language="ruby", tests="", stop_sequences=stop)


def test_samples_are_grouped_by_problem_with_each_problems_stop_sequences():
    problems = [problem("a", ("\nend",)), problem("b", ("\ndef",)), problem("c", ("\nend",)), problem("d", ("\nend",))]
    backend = RecordingBackend()
    samples = generate_samples(backend, None, problems, n=2, temperature=0.7, batch_size=3, show_progress=False)
    assert [call["stop"] for call in backend.calls] == [("\nend",), ("\ndef",), ("\nend",)]
    assert [call["prompts"] for call in backend.calls] == [["pa", "pc"], ["pb"], ["pd"]]
    assert all(call["n"] == 2 and call["temperature"] == 0.7 for call in backend.calls)
    assert [(s["task_id"], s["completion"]) for s in samples] == [
        ("a", "pa#0"), ("a", "pa#1"), ("b", "pb#0"), ("b", "pb#1"),
        ("c", "pc#0"), ("c", "pc#1"), ("d", "pd#0"), ("d", "pd#1"),
    ]
    assert samples[0]["finish_reason"] == "stop"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from batcoder.models import init_tiny

    directory = tmp_path_factory.mktemp("tiny")
    corpus = directory / "corpus.jsonl"
    functions = [f"def add_{i}(x):\n    return x + {i}\n" for i in range(40)]
    functions += [f"def is_small_{i}(numbers):\n    return all(n < {i} for n in numbers)\n" for i in range(40)]
    corpus.write_text("".join(json.dumps({"code": code, "language": "python"}) + "\n" for code in functions))
    return init_tiny(corpus, directory / "model", vocab_size=400, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1)


@pytest.mark.slow
@pytest.mark.parametrize("prompt_style", ["completion", "chat"])
def test_evaluate_a_tiny_random_model_end_to_end(tiny_model, tmp_path, capsys, prompt_style):
    output = tmp_path / "results.jsonl"
    status = main([
        "evaluate", "--model", str(tiny_model), "--benchmark", "humaneval", "--limit", "3", "--n", "2",
        "--temperature", "0.8", "--max-new-tokens", "24", "--batch-size", "2", "--k", "1,2,5",
        "--workers", "2", "--output", str(output), "--device", "cpu", "--prompt-style", prompt_style,
    ])
    assert status == 0
    samples = [json.loads(line) for line in (tmp_path / "results.samples.jsonl").read_text().splitlines()]
    results = [json.loads(line) for line in output.read_text().splitlines()]
    assert [s["task_id"] for s in samples] == ["HumanEval/0"] * 2 + ["HumanEval/1"] * 2 + ["HumanEval/2"] * 2
    assert [r["completion"] for r in results] == [s["completion"] for s in samples]
    assert all(("response" in s) is (prompt_style == "chat") for s in samples)
    assert all(isinstance(r["passed"], bool) and r["result"] for r in results)
    summary = json.loads((tmp_path / "results.summary.json").read_text())
    assert summary["problems_evaluated"] == 3 and summary["samples"] == 6
    assert summary["pass_at_k"]["pass@5"] is None and 0.0 <= summary["pass_at_k"]["pass@1"] <= 1.0
    assert "pass@1" in capsys.readouterr().out


def test_unloadable_model_is_a_one_line_error(tmp_path, capsys):
    status = main(["evaluate", "--model", str(tmp_path / "no-model"), "--benchmark", "humaneval", "--limit", "1",
                   "--output", str(tmp_path / "results.jsonl")])
    error = capsys.readouterr().err
    assert status == 2 and error.startswith(f"batcoder: error: --model {tmp_path / 'no-model'}: cannot load")
    assert error.count("\n") == 1 and not (tmp_path / "results.jsonl").exists()
