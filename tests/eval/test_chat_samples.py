"""Chat-style samples (`--prompt-style chat`): an instruction-tuned model replies with a whole program
in a code block; the benchmark turns it into a completion. A chat model may repeat the prompt or
rewrite it (here: without its comments/docstring, with helpers, another package clause and imports);
either way the verdicts must be those of the same solutions given as plain completions."""

import json
import shutil
from pathlib import Path

import pytest

from batcoder.eval import get_benchmark
from batcoder.eval.runner import Sample, run_samples
from batcoder.eval.sampling import generate_samples
from batcoder.languages import get_language
from batcoder.generation import Completion

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    ("humaneval", None, None),
    ("mbpp", "mbpp_full.jsonl", "mbpp_samples.jsonl"),
    ("multipl-e:humaneval-rb", "multipl_e_humaneval_rb.jsonl", "multipl_e_humaneval_rb_samples.jsonl"),
    ("multipl-e:humaneval-go", "multipl_e_humaneval_go.jsonl", "multipl_e_humaneval_go_samples.jsonl"),
]


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def solutions(spec, benchmark, samples_file):
    """(task_id, plain completion, expected verdict) triples."""
    if samples_file is None:  # the first HumanEval problems: canonical solutions pass, a broken one fails
        problems = list(benchmark.problems().values())[:4]
        return [(p.task_id, p.canonical_solution, True) for p in problems] + [(problems[0].task_id, "    return None\n", False)]
    return [(str(row["task_id"]), row["completion"], row["expected"]) for row in read_jsonl(FIXTURES / samples_file)]


def rewritten(spec, prompt, completion, language):
    """The whole program as a chat model might rewrite it: comments and docstrings gone."""
    if spec.startswith("mbpp"):
        return completion  # MBPP's prompt is a description, not code
    program = get_language(language).strip_comments(prompt + completion)
    if language == "go":  # its own package clause and imports (dropped: Go has one import block), a helper
        body = program.split("\n)\n", 1)[1]
        program = 'package main\n\nimport "fmt"\n\nfunc unusedHelper() int {\n\treturn 1\n}\n' + body
    return program


class ChatBackend:
    """Replies to the i-th chat prompt with ``replies[i]`` in a fenced block; records the calls."""

    def __init__(self, replies, fence):
        self.replies, self.fence, self.calls = list(replies), fence, []

    def generate(self, prompts, *, n, max_new_tokens, temperature, top_p, stop, seed):
        self.calls.append({"prompts": prompts, "stop": stop})
        return [[Completion(f"Sure:\n```{self.fence}\n{self.replies.pop(0)}\n```\nDone.", [], [], "stop")] for _ in prompts]


class PlainTokenizer:
    chat_template = None


@pytest.mark.parametrize("spec,data,samples_file", CASES, ids=[case[0] for case in CASES])
def test_chat_replies_get_the_verdicts_of_the_same_solutions(spec, data, samples_file):
    benchmark = get_benchmark(spec, FIXTURES / data if data else None, "train" if spec == "mbpp" else None)
    triples = solutions(spec, benchmark, samples_file)
    problems = benchmark.problems()
    language = problems[triples[0][0]].language
    if shutil.which({"python": "python3", "ruby": "ruby", "go": "go"}[language]) is None:
        pytest.skip(f"{language} is not installed")

    samples = []
    for variant in ("echoed", "rewritten"):
        for task_id, completion, expected in triples:
            problem = problems[task_id]
            reply = problem.prompt + completion if variant == "echoed" else rewritten(spec, problem.prompt, completion, language)
            backend = ChatBackend([reply], fence=language)
            (sample,) = generate_samples(backend, benchmark, [problem], prompt_style="chat", tokenizer=PlainTokenizer(), show_progress=False)
            assert backend.calls[0]["stop"] == () and "```" in backend.calls[0]["prompts"][0]
            assert sample["response"].startswith("Sure:")
            samples.append(Sample(row={"variant": variant, "expected": expected}, task_id=task_id, completion=sample["completion"]))

    rows = run_samples(benchmark, samples, workers=2, timeout_s=benchmark.default_timeout_s, show_progress=False)
    wrong = [(row["variant"], sample.task_id, row["result"]) for row, sample in zip(rows, samples) if row["passed"] is not row["expected"]]
    assert not wrong


def test_open_function_completion_rules():
    python, go = get_language("python"), get_language("go")
    prompt = 'def f(x):\n    """Double x."""\n'
    assert python.complete_open_function(prompt, prompt.rstrip() + "\n    return 2 * x") == "\n    return 2 * x"
    assert python.complete_open_function(prompt, "import math\n\ndef f(x):\n    return 2 * x") == "\nimport math\n\ndef f(x):\n    return 2 * x"
    go_prompt = "package p_test\n\nfunc Double(x int) int {\n"
    assert go.complete_open_function(go_prompt, "package main\n\nfunc Triple(x int) int {\n\treturn 3 * x\n}") == "package main\n\nfunc Triple(x int) int {\n\treturn 3 * x\n}"
    with pytest.raises(ValueError):
        go.complete_open_function("package p_test\n", "func F() {}\n")
