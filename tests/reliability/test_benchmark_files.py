"""Benchmark files as users have them: JSON arrays as well as JSONL, a file of another language refused,
local MBPP files split like the hub, completions that repeat the prompt detected."""

import json
from pathlib import Path

import pytest

from batcoder.eval import BenchmarkDataError, get_benchmark
from batcoder.eval.runner import read_samples

FIXTURES = Path(__file__).resolve().parents[1] / "eval" / "fixtures"


def rows_of(name):
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


def test_a_json_array_in_a_jsonl_file_is_read_like_jsonl(tmp_path):
    # MultiPL-E's own builder writes one JSON array, even into files named .jsonl
    array = tmp_path / "humaneval-rb.jsonl"
    array.write_text(json.dumps(rows_of("multipl_e_humaneval_rb.jsonl"), indent=2))
    from_array = get_benchmark("multipl-e:humaneval-rb", array).problems()
    assert from_array == get_benchmark("multipl-e:humaneval-rb", FIXTURES / "multipl_e_humaneval_rb.jsonl").problems()
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps([{"task_id": next(iter(from_array)), "completion": "  1\nend\n"}]))
    assert len(read_samples(samples, get_benchmark("multipl-e:humaneval-rb", array))) == 1


def test_a_json_array_with_a_non_object_names_its_row(tmp_path):
    array = tmp_path / "bad.jsonl"
    array.write_text(json.dumps([rows_of("multipl_e_humaneval_rb.jsonl")[0], 7]))
    with pytest.raises(BenchmarkDataError, match="bad.jsonl:2: expected a JSON object"):
        get_benchmark("multipl-e", array).problems()


def test_a_file_of_another_language_is_refused(refused, tmp_path):
    with pytest.raises(BenchmarkDataError, match=r"a go problem, but multipl-e:humaneval-rb is ruby"):
        get_benchmark("multipl-e:humaneval-rb", FIXTURES / "multipl_e_humaneval_go.jsonl").problems()
    refused(["evaluate", "--benchmark", "multipl-e:humaneval-rb", "--data", str(FIXTURES / "multipl_e_humaneval_go.jsonl"),
             "--samples", str(FIXTURES / "multipl_e_humaneval_go_samples.jsonl"), "--output", str(tmp_path / "r.jsonl")],
            "is ruby")
    assert get_benchmark("multipl-e", FIXTURES / "multipl_e_humaneval_go.jsonl").problems()  # no config: any language


def mbpp_release(tmp_path, task_ids):
    """An MBPP file in the original release's schema with the given task ids."""
    template = rows_of("mbpp_full.jsonl")[0]
    path = tmp_path / "mbpp.jsonl"
    path.write_text("".join(json.dumps({**template, "task_id": task_id}) + "\n" for task_id in task_ids))
    return path


def test_a_local_mbpp_file_is_split_like_the_hub(tmp_path):
    release = mbpp_release(tmp_path, range(1, 975))  # all 974 problems, as the original mbpp.jsonl
    assert list(get_benchmark("mbpp", release).problems()) == [str(i) for i in range(11, 511)]
    assert len(get_benchmark("mbpp", release, "validation").problems()) == 90
    assert len(get_benchmark("mbpp", release, "all").problems()) == 974
    with pytest.raises(BenchmarkDataError, match="no task of MBPP's test split .*--split train"):
        get_benchmark("mbpp", mbpp_release(tmp_path, [901, 902])).problems()
    with pytest.raises(BenchmarkDataError, match="unknown mbpp split 'dev'"):
        get_benchmark("mbpp", release, "dev")


def test_completions_that_repeat_the_prompt_are_stripped_with_a_message(tmp_path, capsys):
    benchmark = get_benchmark("humaneval")
    problem = benchmark.problems()["HumanEval/0"]
    samples = tmp_path / "samples.jsonl"
    rows = [{"task_id": "HumanEval/0", "completion": problem.prompt.strip() + "\n" + problem.canonical_solution},
            {"task_id": "HumanEval/0", "completion": problem.canonical_solution}]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    read = read_samples(samples, benchmark)
    program = benchmark.program(problem, read[0].completion)
    assert program.count(problem.prompt.strip()) == 1  # the prompt runs once
    assert read[1].completion == problem.canonical_solution
    assert "1 of 2 completions" in capsys.readouterr().err
