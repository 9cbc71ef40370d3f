"""The code world: the three renderings agree, documentation passes the filter, splits are disjoint,
files are in the schemas the rest of batcoder reads, and the benchmark's references pass."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from batcoder import docfilter
from batcoder.cli import main
from batcoder.data import read_corpus
from batcoder.languages import get_language
from batcoder.world import LANGUAGES, generate_benchmark, generate_world, render, world_config
from batcoder.world import decontamination
from batcoder.world.export import benchmark_row
from batcoder.world.primitives import PRIMITIVES
from batcoder.world.values import literal


def _all_programs(world):
    return world.benchmark + world.rl + [item for items in world.pretrain.values() for item in items]


def _run(argv, source, suffix, env=None):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "main" + suffix)
        with open(path, "w") as handle:
            handle.write(source)
        done = subprocess.run(argv + [path], capture_output=True, text=True, timeout=300, env=env, cwd=directory)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _ruby_outputs(items):
    parts = ["require 'json'"]
    calls = []
    for index, item in enumerate(items):
        parts.append(render(item.program, "ruby", name=f"p{index}"))
        arguments = [", ".join(literal(a, "ruby") for a in args) for args in item.inputs]
        calls.append("results << [" + ", ".join(f"p{index}({a})" for a in arguments) + "]")
    return _run(["ruby"], "\n".join(parts + ["results = []"] + calls + ["puts JSON.generate(results)"]), ".rb")


def _go_outputs(items):
    parts = ['package main\n\nimport (\n\t"encoding/json"\n\t"fmt"\n\t"sort"\n\t"strings"\n)\n',
             "var _ = sort.Ints\nvar _ = strings.ToUpper\n"]
    calls = []
    for index, item in enumerate(items):
        parts.append(render(item.program, "go", name=f"p{index}"))
        types = item.program.argument_types
        arguments = [", ".join(literal(a, "go", t) for a, t in zip(args, types)) for args in item.inputs]
        calls.append("\tresults = append(results, []interface{}{" + ", ".join(f"p{index}({a})" for a in arguments) + "})")
    main_function = ("func main() {\n\tresults := [][]interface{}{}\n" + "\n".join(calls)
                     + "\n\tout, _ := json.Marshal(results)\n\tfmt.Println(string(out))\n}\n")
    env = {**os.environ, "GO111MODULE": "off", "GOFLAGS": ""}
    return _run(["go", "run"], "\n".join(parts + [main_function]), ".go", env=env)


@pytest.mark.parametrize("language", ["ruby", "go"])
def test_ruby_and_go_renderings_compute_what_python_computes(language):
    if shutil.which(language) is None:
        pytest.skip(f"{language} is not installed")
    items = [item for seed in (11, 12, 13) for item in _all_programs(generate_world(world_config(seed, "tiny")))]
    assert len(items) > 400
    # Every primitive takes part, so each of their renderings is checked.
    assert {step.primitive for item in items for step in item.program.steps} == {p.name for p in PRIMITIVES}
    outputs = (_ruby_outputs if language == "ruby" else _go_outputs)(items)
    for item, got in zip(items, outputs):
        expected = json.loads(json.dumps(list(item.outputs)))
        assert got == expected, (render(item.program, language), item.inputs)


def test_every_rendering_parses_and_its_first_function_is_the_program(tiny_world):
    for item in _all_programs(tiny_world):
        for language in LANGUAGES:
            code = render(item.program, language)
            functions = get_language(language).functions(code)
            assert get_language(language).is_valid(code), code
            assert functions and functions[0].name == item.program.name


def test_documentation_is_accepted_by_the_format_filter(tiny_world):
    for item in tiny_world.benchmark:
        for language in LANGUAGES:
            verdict = docfilter.check(item.doc, render(item.program, language), language)
            assert verdict.score == 1.0, (verdict.reason, item.doc)
    for item in tiny_world.pretrain["python"]:
        assert docfilter.check(item.doc, render(item.program, "python"), "python").score == 1.0


def test_documentation_phrasing_varies_for_one_primitive(tiny_world):
    sentences = {line.split(". ", 1)[-1] for item in tiny_world.pretrain["python"] for line in item.doc.splitlines()
                 if "greater than" in line and line[:1].isdigit()}
    openings = {line.split()[1] for item in tiny_world.pretrain["python"] for line in item.doc.splitlines()
                if line[:2] == "1."}
    assert len(openings) > 10 and len(sentences) > 1


def test_no_held_out_program_or_renaming_in_training_splits(tiny_world):
    report = decontamination.check(tiny_world)
    assert report["training_programs"] == 140 and report["benchmark_programs"] == 12
    assert report["same_skeleton"] == report["same_code_renamed"] == report["same_behaviour"] == 0


def test_the_check_catches_a_renamed_held_out_program(tiny_world):
    from dataclasses import replace

    held_out = tiny_world.benchmark[0].program
    renamed = replace(held_out, name="other_name", input_name="zz", steps=tuple(
        replace(step, output=f"w{index}") for index, step in enumerate(held_out.steps)))
    leaked = replace(tiny_world, rl=tiny_world.rl + [replace(tiny_world.benchmark[0], program=renamed)])
    report = decontamination.check(leaked)
    assert report["same_skeleton"] == 1 and report["same_code_renamed"] == 3 and report["same_behaviour"] == 1


def test_a_seed_is_a_whole_world_and_is_reproducible():
    first = generate_benchmark(world_config(5, "tiny"))
    again = generate_benchmark(world_config(5, "tiny"))
    other = generate_benchmark(world_config(6, "tiny"))
    assert [i.program for i in first] == [i.program for i in again]
    assert not {i.program.key for i in first} & {i.program.key for i in other}


def test_build_writes_the_corpora_and_benchmarks(tmp_path, capsys):
    output = tmp_path / "world"
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--rl", "10", "--output", str(output)]) == 0
    summary = json.loads((output / "world.json").read_text())
    assert summary["seed"] == 3 and summary["rows"]["rl.jsonl"] == 30
    assert summary["decontamination"]["same_behaviour"] == 0
    pretrain = list(read_corpus(output / "pretrain.jsonl"))
    assert {row["language"] for row in pretrain} == set(LANGUAGES)
    assert all(("documentation" in row) == (row["language"] == "python") for row in pretrain)
    python = next(row for row in pretrain if row["language"] == "python")
    assert (python["prompt"] + python["solution"]).startswith(python["code"].splitlines()[0])
    rl = list(read_corpus(output / "rl.jsonl"))
    assert all(row["split"] in ("train", "valid") and "documentation" not in row and "docstring" not in row for row in rl)
    assert {row["language"] for row in rl} == set(LANGUAGES)
    # Held-out programs are absent from the written training files, judged from the code text alone.
    written = {(row["language"], decontamination.canonical_code(row["code"])) for row in pretrain + rl}
    for language in LANGUAGES:
        rows = [json.loads(line) for line in (output / f"benchmark-{language}.jsonl").read_text().splitlines()]
        assert len(rows) == 12
        for row in rows:
            code = row["prompt"].split("\n\n")[-1] if language == "go" else row["prompt"]
            assert (language, decontamination.canonical_code(code + row["canonical_solution"])) not in written
    # Rebuilding into its own directory is allowed; a directory of someone else's files is not.
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--output", str(output)]) == 0
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "rl.jsonl").write_text("mine\n")
    capsys.readouterr()
    assert main(["world", "build", "--size", "tiny", "--output", str(foreign)]) == 2
    assert "not written by" in capsys.readouterr().err and (foreign / "rl.jsonl").read_text() == "mine\n"


def test_parallel_code_adds_programs_without_changing_the_others_and_without_documentation(tmp_path):
    plain, parallel = tmp_path / "plain", tmp_path / "parallel"
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--output", str(plain)]) == 0
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--pretrain-parallel", "9", "--output", str(parallel)]) == 0
    before, after = list(read_corpus(plain / "pretrain.jsonl")), list(read_corpus(parallel / "pretrain.jsonl"))
    assert after[: len(before)] == before  # the world's other programs are the same ones
    assert (parallel / "rl.jsonl").read_bytes() == (plain / "rl.jsonl").read_bytes()
    added = after[len(before):]
    assert len(added) == 27 and all("documentation" not in row for row in added)
    groups: dict[str, list[dict]] = {}
    for row in added:
        groups.setdefault(row["parallel"], []).append(row)
    assert len(groups) == 9
    for key, rows in groups.items():
        assert sorted(row["language"] for row in rows) == sorted(LANGUAGES)
        assert {row["program_id"] for row in rows} == {key} and len({row["split"] for row in rows}) == 1
    assert len({rows[0]["language"] for rows in groups.values()}) > 1  # not always the same language first
    summary = json.loads((parallel / "world.json").read_text())
    assert summary["programs"]["pretrain_parallel"] == 9 and summary["decontamination"]["same_behaviour"] == 0
    assert summary["decontamination"]["training_programs"] == json.loads((plain / "world.json").read_text())[
        "decontamination"]["training_programs"] + 9


def test_documented_ruby_is_added_last_with_its_reference_documentation_in_ruby(tmp_path):
    from batcoder import docfilter
    from batcoder.data import read_corpus
    from batcoder.models.pretrain import PretrainConfig, render_documents

    plain, documented = tmp_path / "plain", tmp_path / "documented"
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--output", str(plain)]) == 0
    assert main(["world", "build", "--seed", "3", "--size", "tiny", "--pretrain-ruby-documented", "5",
                 "--output", str(documented)]) == 0
    before, after = list(read_corpus(plain / "pretrain.jsonl")), list(read_corpus(documented / "pretrain.jsonl"))
    assert after[: len(before)] == before and len(after) == len(before) + 5
    added = after[len(before):]
    for row in added:
        assert row["language"] == "ruby" and row["prompt"].startswith("# ") and row["prompt"].rstrip().endswith(")")
        assert docfilter.check(row["documentation"], row["code"], "ruby").score == 1.0
    assert not any("documentation" in row for row in before if row["language"] != "python")
    config = PretrainConfig(corpus=str(documented / "pretrain.jsonl"), code_only_paired_fraction=1.0)
    _, counts = render_documents(after, config)
    assert counts["pairs (ruby)"] == 10  # both directions for the five documented programs, the rest code only
    assert json.loads((documented / "world.json").read_text())["programs"]["pretrain_ruby_documented"] == 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_reference_solutions_pass_under_batcoder_evaluate(tmp_path, language):
    if language != "python" and shutil.which(language) is None:
        pytest.skip(f"{language} is not installed")
    items = generate_benchmark(world_config(9, "tiny", benchmark=4 if language == "go" else 12))
    rows = [benchmark_row(index, item, language) for index, item in enumerate(items)]
    data = tmp_path / "benchmark.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    key = "task_id" if language == "python" else "name"
    samples = tmp_path / "samples.jsonl"
    wrong = {"python": "    return None\n", "ruby": "  nil\nend\n", "go": "  panic(0)\n}\n"}[language]
    samples.write_text("".join(json.dumps({"task_id": row[key], "completion": completion}) + "\n"
                               for row in rows for completion in (row["canonical_solution"], wrong)))
    output = tmp_path / "results.jsonl"
    assert main(["evaluate", "--benchmark", f"world:{language}", "--data", str(data), "--samples", str(samples),
                 "--output", str(output), "--k", "1", "--workers", "2"]) == 0
    results = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["passed"] for r in results] == [True, False] * len(rows), [r["result"] for r in results if not r["passed"]][:3]


@pytest.mark.slow  # generates the 164 problems of the default world
def test_the_default_benchmark_is_generated_without_data():
    from batcoder.eval import get_benchmark

    problems = get_benchmark("world:ruby").problems()
    assert len(problems) == 164
    problem = next(iter(problems.values()))
    assert problem.prompt.startswith("# ") and problem.canonical_solution.endswith("end\n")
