"""A world as files: corpus rows (``batcoder data build``'s schema) and benchmark rows (HumanEval's
schema for Python, MultiPL-E's for Ruby and Go), and the directory ``batcoder world build`` writes."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict
from pathlib import Path

from batcoder.world.generate import World, WorldProgram
from batcoder.world.primitives import BY_NAME
from batcoder.world.program import GO_PACKAGES, LANGUAGES, TYPE_HINTS, Program, body, render, signature
from batcoder.world.values import literal

FILES = ("pretrain.jsonl", "rl.jsonl", "benchmark-python.jsonl", "benchmark-ruby.jsonl", "benchmark-go.jsonl", "world.json")
PYTHON_STOP = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")  # HumanEval's (the Codex paper's)
MULTIPL_E_STOP = {"ruby": ["\nclass", "\ndef", "\n#", "\n\n"], "go": ["\nfunc", "struct", "\n// "]}
MULTIPL_E_LANGUAGE = {"ruby": "rb", "go": "go_test.go"}
GENERATOR_VERSION = 1  # bump when the same seed would give other programs


def _split(code: str, valid_fraction: float) -> str:
    from batcoder.data.build import split_of

    return split_of(hashlib.sha256(code.encode()).hexdigest(), valid_fraction)


def corpus_row(item: WorldProgram, language: str, path: str, valid_fraction: float, documented: bool) -> dict:
    """One function as ``batcoder data build`` writes it, plus the world's own fields."""
    program = item.program
    code = render(program, language).rstrip("\n")
    row = {
        "code": code,
        "language": language,
        "name": program.name,
        "path": path,
        "start_line": 1,
        "end_line": code.count("\n") + 1,
        "sha256": hashlib.sha256(code.encode("utf-8")).hexdigest(),
        "split": _split(code, valid_fraction),
        "program_id": program.key,
        "skeleton": program.skeleton,
        "depth": program.depth,
    }
    if documented:
        row["documentation"] = item.doc  # the reference documentation, in DOC_FORMAT (what `batcoder sft` reads)
        row["prompt"] = prompt(program, item.doc, language)
        row["solution"] = body(program, language)
    return row


def _comment(doc: str, marker: str) -> str:
    return "".join(f"{marker} {line}".rstrip() + "\n" for line in doc.splitlines())


def prompt(program: Program, doc: str, language: str) -> str:
    """Signature and documentation in the language's convention, ending where the body starts."""
    if language == "python":
        lines = "".join(f"    {line}".rstrip() + "\n" for line in doc.splitlines())
        return f'{signature(program, "python")}\n    """{lines.lstrip()}    """\n'
    if language == "ruby":
        return _comment(doc, "#") + signature(program, "ruby") + "\n"
    imports = "".join(f'    "{package}"\n' for package in ("fmt", *GO_PACKAGES, "testing"))
    return (f"package {program.name}_test\n\nimport (\n{imports})\n\n" + _comment(doc, "//")
            + signature(program, "go") + "\n")


def _call(item: WorldProgram, arguments: tuple, language: str) -> str:
    types = item.program.argument_types
    return ", ".join(literal(value, language, type_name) for value, type_name in zip(arguments, types))


def tests(item: WorldProgram, language: str) -> str:
    """Python: HumanEval's ``check(candidate)``; Ruby / Go: MultiPL-E's test/unit class and go test."""
    program = item.program
    output_type = TYPE_HINTS[program.output_type]
    if language == "python":
        lines = [f"    assert candidate({_call(item, a, 'python')}) == {literal(o, 'python', output_type)}"
                 for a, o in zip(item.inputs, item.outputs)]
        return "\n\ndef check(candidate):\n" + "\n".join(lines) + "\n"
    if language == "ruby":
        lines = [f"    assert_equal({literal(o, 'ruby')}, candidate.call({_call(item, a, 'ruby')}))"
                 for a, o in zip(item.inputs, item.outputs)]
        return ("require 'test/unit'\nclass TestHumanEval < Test::Unit::TestCase\n"
                f"  def test_{program.name}\n    candidate = method(:{program.name})\n" + "\n".join(lines) + "\n  end\nend\n")
    cases = [f"     {{ actual: candidate({_call(item, a, 'go')}), expected: {literal(o, 'go', output_type)} }},"
             for a, o in zip(item.inputs, item.outputs)]
    test_name = "Test" + "_".join(part.capitalize() for part in program.name.split("_"))
    keep_imports = "".join(f"var _ = {use}\n" for use in ("sort.Ints", "strings.ToUpper"))
    return (f"{keep_imports}\nfunc {test_name}(t *testing.T) {{\n  candidate := {program.name}\n"
            "\ttype test struct {\n\t\tactual   interface{}\n\t\texpected interface{}\n\t}\n   tests := []test{\n"
            + "\n".join(cases) + "\n   }\n\n"
            "\tfor i, tc := range tests {\n\t\tt.Run(fmt.Sprintf(\"test num % d\", i), func(t *testing.T) {\n"
            "\t\t\tif fmt.Sprintf(\"%v\", tc.actual) != fmt.Sprintf(\"%v\", tc.expected) {\n"
            "\t\t\t\tt.Errorf(\"expected '%s', got '%s'\", tc.expected, tc.actual)\n\t\t\t}\n\t\t})\n\t}\n}\n")


def task_id(index: int, item: WorldProgram) -> str:
    return f"World_{index}_{item.program.name}"


def benchmark_row(index: int, item: WorldProgram, language: str) -> dict:
    program = item.program
    extra = {"depth": program.depth, "skeleton": program.skeleton, "documentation": item.doc}
    if language == "python":
        return {
            "task_id": task_id(index, item),
            "prompt": prompt(program, item.doc, "python"),
            "canonical_solution": body(program, "python"),
            "test": tests(item, "python"),
            "entry_point": program.name,
            **extra,
        }
    return {
        "name": task_id(index, item),
        "language": MULTIPL_E_LANGUAGE[language],
        "prompt": prompt(program, item.doc, language),
        "doctests": "transform",
        "original": "batcoder world",
        "prompt_terminology": "verbatim",
        "tests": tests(item, language),
        "stop_tokens": MULTIPL_E_STOP[language],
        "canonical_solution": body(program, language),
        **extra,
    }


def parallel_order(item: WorldProgram) -> list[str]:
    """The languages of a parallel-code document, in an order drawn from the program (each language
    comes first in about a third of the documents, so every translation direction is seen)."""
    rng = random.Random(item.program.key)
    return rng.sample(LANGUAGES, len(LANGUAGES))


def pretrain_rows(world: World):
    """Documented Python, code-only Ruby and Go, the documented Ruby, then the parallel code: one row
    per program, and for the parallel code one row per rendering, the
    renderings of one program consecutive and sharing ``parallel`` (its program id), in the order
    the pretraining document shows them."""
    fraction = world.config.valid_fraction
    for language in LANGUAGES:
        for index, item in enumerate(world.pretrain.get(language, [])):
            yield corpus_row(item, language, f"world/{world.config.seed}/pretrain/{language}/{index}", fraction,
                             documented=language == "python")
    for index, item in enumerate(world.pretrain.get("ruby_documented", [])):
        yield corpus_row(item, "ruby", f"world/{world.config.seed}/pretrain/ruby_documented/{index}", fraction,
                         documented=True)
    for index, item in enumerate(world.pretrain.get("parallel", [])):
        for language in parallel_order(item):
            row = corpus_row(item, language, f"world/{world.config.seed}/pretrain/parallel/{index}", fraction,
                             documented=False)
            yield {**row, "split": _split(item.program.key, fraction), "parallel": item.program.key}


def rl_rows(world: World):
    fraction = world.config.valid_fraction
    for index, item in enumerate(world.rl):
        for language in LANGUAGES:
            yield corpus_row(item, language, f"world/{world.config.seed}/rl/{index}", fraction, documented=False)


def write_world(world: World, output: Path, decontamination: dict | None = None) -> dict:
    """Write the world's files into ``output``; returns what ``world.json`` says.

    Refuses (``FileExistsError``) to replace files of the same names that no world build wrote
    (a directory without ``world.json``)."""
    from batcoder.data.jsonl import atomic_output, write_json

    output = Path(output)
    existing = [name for name in FILES if (output / name).exists()]
    if existing and not (output / "world.json").is_file():
        raise FileExistsError(f"{output} already holds {', '.join(existing)}, not written by `batcoder world build`")
    counts = {}

    def write_rows(name: str, rows) -> None:
        with atomic_output(output / name) as handle:
            count = 0
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        counts[name] = count

    write_rows("pretrain.jsonl", pretrain_rows(world))
    write_rows("rl.jsonl", rl_rows(world))
    for language in LANGUAGES:
        write_rows(f"benchmark-{language}.jsonl", (benchmark_row(i, item, language) for i, item in enumerate(world.benchmark)))
    depths = {}
    for item in world.benchmark:
        depths[item.program.depth] = depths.get(item.program.depth, 0) + 1
    summary = {
        "seed": world.config.seed,
        "generator_version": GENERATOR_VERSION,
        "config": asdict(world.config),
        "rows": counts,
        "programs": {"benchmark": len(world.benchmark), "rl": len(world.rl),
                     **{f"pretrain_{k}": len(v) for k, v in world.pretrain.items()}},
        "benchmark_depths": dict(sorted(depths.items())),
        "primitives": len(BY_NAME),
        "draws": world.stats.get("draws", {}),
        "decontamination": decontamination or {},
    }
    write_json(output / "world.json", summary)
    return summary
