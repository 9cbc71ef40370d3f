"""`--prompt-style documentation`: the RL's doc->code request for a world problem's documentation; a
reply that is the reference function (header + body) in a code block passes in all three languages,
and the prompt is exactly the rollout's doc->code prompt."""

import pytest

from batcoder.eval import get_benchmark
from batcoder.eval.runner import Sample, run_samples
from batcoder.eval.sampling import generate_samples
from batcoder.generation import Completion
from batcoder.models import render_prompt
from batcoder.prompts import doc_to_code_messages


class ReplyBackend:
    def __init__(self, replies):
        self.replies, self.prompts = list(replies), []

    def generate(self, prompts, *, n, max_new_tokens, temperature, top_p, stop, seed):
        self.prompts.extend(prompts)
        return [[Completion(f"```\n{self.replies.pop(0)}\n```", [], [], "stop")] for _ in prompts]


class PlainTokenizer:
    chat_template = None


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    from batcoder.world import build_world

    directory = tmp_path_factory.mktemp("world")
    build_world(directory, size="tiny", progress=False)
    return directory


@pytest.mark.parametrize("language", ["python", "ruby", "go"])
def test_reference_functions_written_from_documentation_pass(world_dir, language):
    benchmark = get_benchmark(f"world:{language}", world_dir / f"benchmark-{language}.jsonl")
    problems = list(benchmark.problems().values())[:4]
    headers = [p.prompt.rstrip().splitlines()[0 if language == "python" else -1] for p in problems]
    replies = [f"{header}\n{p.canonical_solution}" for header, p in zip(headers, problems)]
    backend = ReplyBackend(replies)
    samples = generate_samples(backend, benchmark, problems, prompt_style="documentation", tokenizer=PlainTokenizer(),
                               batch_size=4, show_progress=False)
    signature = headers[0].rstrip(" {")
    assert backend.prompts[0] == render_prompt(PlainTokenizer(), doc_to_code_messages(problems[0].extra["documentation"], language, signature))
    rows = run_samples(benchmark, [Sample(s, s["task_id"], s["completion"]) for s in samples], workers=1, timeout_s=20, show_progress=False)
    assert [row["passed"] for row in rows] == [True] * 4, [row["result"] for row in rows]
    broken = generate_samples(ReplyBackend([f"{headers[0]}\n{problems[1].canonical_solution}"]), benchmark, problems[:1],
                              prompt_style="documentation", tokenizer=PlainTokenizer(), show_progress=False)
    if problems[0].canonical_solution != problems[1].canonical_solution:
        assert not run_samples(benchmark, [Sample(broken[0], broken[0]["task_id"], broken[0]["completion"])], workers=1,
                               timeout_s=20, show_progress=False)[0]["passed"]


def test_a_problem_without_documentation_is_a_clear_error():
    from batcoder.eval.base import Problem

    problem = Problem(task_id="t", prompt="def f(x):\n", language="python", tests="")
    with pytest.raises(ValueError, match="has no documentation"):
        generate_samples(ReplyBackend(["x"]), None, [problem], prompt_style="documentation", tokenizer=PlainTokenizer(), show_progress=False)


class BodyBackend(ReplyBackend):
    def generate(self, prompts, *, n, max_new_tokens, temperature, top_p, stop, seed):
        self.prompts.extend(prompts)
        outputs = [[Completion(f"{self.replies.pop(0)}\n```", [], [], "stop")] for _ in prompts]
        self.returned = [completion for (completion,) in outputs]
        return outputs


@pytest.mark.parametrize("language", ["python", "ruby", "go"])
def test_a_prefilled_signature_needs_only_the_body(world_dir, language):
    from batcoder.prompts import code_reply_start

    benchmark = get_benchmark(f"world:{language}", world_dir / f"benchmark-{language}.jsonl")
    problems = list(benchmark.problems().values())[:3]
    backend = BodyBackend([p.canonical_solution.rstrip("\n") for p in problems])
    samples = generate_samples(backend, benchmark, problems, prompt_style="documentation", tokenizer=PlainTokenizer(),
                               batch_size=3, show_progress=False, prefill_signature=True)
    header = problems[0].prompt.rstrip().splitlines()[0 if language == "python" else -1].rstrip(" {")
    unfilled = render_prompt(PlainTokenizer(), doc_to_code_messages(problems[0].extra["documentation"], language, header))
    assert backend.prompts[0] == unfilled + code_reply_start(language, header)
    assert samples[0]["response"].startswith(code_reply_start(language, header))
    assert [(s["request"], s["reply"]) for s in samples] == [
        (prompt, reply.text) for prompt, reply in zip(backend.prompts, backend.returned)]  # what logprob scores
    rows = run_samples(benchmark, [Sample(s, s["task_id"], s["completion"]) for s in samples], workers=1, timeout_s=20, show_progress=False)
    assert [row["passed"] for row in rows] == [True] * 3, [row["result"] for row in rows]


def test_prefill_needs_the_documentation_style():
    with pytest.raises(ValueError, match="documentation prompt style"):
        generate_samples(ReplyBackend(["x"]), None, [], prompt_style="chat", tokenizer=PlainTokenizer(), show_progress=False,
                         prefill_signature=True)
