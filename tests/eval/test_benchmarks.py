import json
from pathlib import Path

import datasets
import pytest

from batcoder.eval import BenchmarkDataError, available_benchmarks, get_benchmark
from batcoder.eval.official import with_exec_enabled

FIXTURES = Path(__file__).parent / "fixtures"


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def test_registry_lists_each_benchmark_module():
    assert available_benchmarks() == ["humaneval", "mbpp", "multipl-e", "world"]
    with pytest.raises(BenchmarkDataError, match="unknown benchmark 'apps'"):
        get_benchmark("apps")


def test_humaneval_loads_offline_and_assembles_the_program_like_check_correctness():
    benchmark = get_benchmark("humaneval")
    problems = benchmark.problems()
    assert len(problems) == 164
    problem = problems["HumanEval/0"]
    assert problem.entry_point == "has_close_elements" and problem.language == "python"
    program = benchmark.program(problem, "    return True\n")
    assert program == problem.prompt + "    return True\n" + "\n" + problem.tests + "\n" + "check(has_close_elements)"
    assert "\ndef" in problem.stop_sequences


def test_humaneval_from_a_local_file(tmp_path):
    rows = [
        {"task_id": "Tiny/0", "prompt": "def one():\n", "canonical_solution": "    return 1\n",
         "test": "def check(f):\n    assert f() == 1\n", "entry_point": "one"}
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    problems = get_benchmark("humaneval", path).problems()
    assert list(problems) == ["Tiny/0"] and problems["Tiny/0"].canonical_solution == "    return 1\n"


@pytest.mark.parametrize("spec,fixture,description_key", [("mbpp", "mbpp_full.jsonl", "text"),
                                                          ("mbpp:sanitized", "mbpp_sanitized.jsonl", "prompt")])
def test_mbpp_configs_from_local_jsonl(spec, fixture, description_key):
    rows = read_jsonl(FIXTURES / fixture)
    benchmark = get_benchmark(spec, FIXTURES / fixture)
    problems = benchmark.problems()
    assert list(problems) == [str(row["task_id"]) for row in rows]
    row = rows[2]
    problem = problems[str(row["task_id"])]
    assert problem.prompt == f'"""\n{row[description_key]}\n{row["test_list"][0]}\n"""\n'
    program = benchmark.program(problem, row["code"])
    assert program.startswith(row["code"])
    assert "import math\n" in program and program.index("import math") < program.index("assert")
    assert all(test in program for test in row["test_list"])


def test_mbpp_hub_path_requests_the_official_dataset(monkeypatch):
    rows = read_jsonl(FIXTURES / "mbpp_sanitized.jsonl")
    requested = []

    def fake_load_dataset(path, name=None, split=None, **kwargs):
        requested.append((path, name, split))
        return datasets.Dataset.from_list(rows)

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    problems = get_benchmark("mbpp:sanitized").problems()
    assert requested == [("google-research-datasets/mbpp", "sanitized", "test")]
    assert set(problems) == {"901", "902", "903"}


def test_mbpp_wrong_schema_names_the_row_and_key(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text((FIXTURES / "mbpp_sanitized.jsonl").read_text())
    with pytest.raises(BenchmarkDataError, match=r"mixed.jsonl:1: missing key 'text' .*--benchmark mbpp:sanitized"):
        get_benchmark("mbpp", path).problems()
    with pytest.raises(BenchmarkDataError, match="unknown mbpp config 'plus'"):
        get_benchmark("mbpp:plus")


def test_hub_failure_is_one_line_with_a_hint(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach the Hugging Face Hub\nsecond line")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(BenchmarkDataError) as error:
        get_benchmark("multipl-e:humaneval-rb").problems()
    assert "\n" not in str(error.value) and "--data" in str(error.value) and "nuprl/MultiPL-E" in str(error.value)


@pytest.mark.parametrize("config,language", [("humaneval-rb", "ruby"), ("humaneval-go", "go")])
def test_multipl_e_hub_and_local_file_give_the_same_problems(monkeypatch, config, language):
    fixture = FIXTURES / f"multipl_e_{config.replace('-', '_')}.jsonl"
    rows = read_jsonl(fixture)
    requested = []

    def fake_load_dataset(path, name=None, split=None, **kwargs):
        requested.append((path, name, split))
        return datasets.Dataset.from_list(rows)

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    from_hub = get_benchmark(f"multipl-e:{config}").problems()
    from_file = get_benchmark("multipl-e", fixture).problems()
    assert requested == [("nuprl/MultiPL-E", config, "test")]
    assert from_hub == from_file
    problem = from_file[rows[0]["name"]]
    assert problem.language == language and list(problem.stop_sequences) == rows[0]["stop_tokens"]
    assert get_benchmark("multipl-e", fixture).program(problem, "BODY") == rows[0]["prompt"] + "BODY\n" + rows[0]["tests"]


def test_multipl_e_needs_a_config_or_a_file_and_a_known_language(tmp_path):
    with pytest.raises(BenchmarkDataError, match="multipl-e:humaneval-rb"):
        get_benchmark("multipl-e")
    path = tmp_path / "cobol.jsonl"
    path.write_text(json.dumps({"name": "x", "language": "cob", "prompt": "", "tests": "", "stop_tokens": []}) + "\n")
    with pytest.raises(BenchmarkDataError, match=r"cobol.jsonl:1: language 'cob' has no batcoder runtime"):
        get_benchmark("multipl-e", path).problems()


def test_malformed_benchmark_file_names_the_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text((FIXTURES / "mbpp_full.jsonl").read_text() + "{not json\n")
    with pytest.raises(BenchmarkDataError, match=r"broken.jsonl:4: invalid JSON"):
        get_benchmark("mbpp", path).problems()


def test_official_exec_line_is_enabled_when_commented_out():
    # The upstream repository ships the line commented out at column 0 under a warning comment.
    source = (
        "def unsafe_execute():\n"
        "        try:\n"
        "            with time_limit(timeout):\n"
        "# WARNING: untrusted code\n"
        "#                         exec(check_program, exec_globals)\n"
        "            result.append('passed')\n"
        "        except BaseException:\n"
        "            result.append('failed')\n"
    )
    enabled = with_exec_enabled(source)
    assert "                exec(check_program, exec_globals)\n" in enabled
    compile(enabled, "execution.py", "exec")
    untouched = source.replace("#                         exec", "                exec")
    assert with_exec_enabled(untouched) == untouched
