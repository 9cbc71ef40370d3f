"""Duplicates, near duplicates, benchmark contamination, size/test/generated filters."""

import json

import pytest

from batcoder.data import CorpusError, FunctionFilters
from batcoder.data.decontamination import BenchmarkIndex, humaneval_problems
from batcoder.data.dedup import NearDuplicateIndex, Signer, exact_key
from batcoder.data.filters import is_test
from batcoder.languages import get_language

LONG_FUNCTION = """
def summarize_orders(orders, customer_table, currency):
    totals = {}
    for order in orders:
        customer = customer_table.get(order.customer_id)
        if customer is None or not customer.active:
            continue
        amount = order.quantity * order.unit_price
        if order.currency != currency:
            amount = convert(amount, order.currency, currency)
        totals[customer.name] = totals.get(customer.name, 0) + amount
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return [name for name, amount in ranked if amount > 0]
"""


def test_exact_duplicates_differing_in_whitespace_and_comments_are_removed(build, write, tmp_path, function_source):
    original = function_source("alpha")
    respaced = original.replace("alpha_total = alpha_total +", "# running sum\n            alpha_total   =  alpha_total   +")
    assert respaced != original
    write(tmp_path / "src" / "a.py", original)
    write(tmp_path / "src" / "b.py", respaced + function_source("beta", "-"))
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["alpha", "beta"]
    assert rows[0]["path"] == "a.py"
    assert stats.removed["exact_duplicate"] == 1


def test_near_duplicates_are_removed_and_the_threshold_is_configurable(build, write, tmp_path):
    near_copy = LONG_FUNCTION.replace("amount > 0", "amount >= 0")
    write(tmp_path / "src" / "a.py", LONG_FUNCTION)
    write(tmp_path / "src" / "b.py", near_copy)
    stats, rows = build([tmp_path / "src"])
    assert len(rows) == 1 and stats.removed["near_duplicate"] == 1
    stats, rows = build([tmp_path / "src"], near_duplicate_threshold=0.98)
    assert len(rows) == 2 and stats.removed["near_duplicate"] == 0


def test_near_duplicate_index_keeps_first_and_rejects_similar():
    signer = Signer()
    index = NearDuplicateIndex(threshold=0.8)
    assert index.add(signer.signature(LONG_FUNCTION))
    assert not index.add(signer.signature(LONG_FUNCTION.replace("reverse=True", "reverse=False")))
    assert index.add(signer.signature("def unrelated(x):\n    y = x ** 2 - 3\n    return str(y).zfill(8)\n"))


def test_exact_key_ignores_whitespace_only():
    assert exact_key("def f(a):\n    return a") == exact_key("def f( a ):\n  return a".replace("( a )", "(a)"))
    assert exact_key("return a + b") != exact_key("return a - b")


def test_humaneval_solution_among_original_functions_is_removed(build, write, tmp_path, function_source):
    problem = next(p for p in humaneval_problems() if p["task_id"] == "HumanEval/0")
    write(tmp_path / "repo" / "close.py", problem["prompt"] + problem["canonical_solution"])
    write(tmp_path / "repo" / "mine.py", function_source("alpha") + function_source("beta", "-"))
    write(tmp_path / "repo" / "pkg" / "more.py", LONG_FUNCTION)
    stats, rows = build([tmp_path / "repo"])
    assert sorted(row["name"] for row in rows) == ["alpha", "beta", "summarize_orders"]
    assert stats.removed["contaminated"] == 1


def test_humaneval_solution_with_another_docstring_and_no_types_is_still_removed(build, write, tmp_path):
    solution = next(p for p in humaneval_problems() if p["task_id"] == "HumanEval/0")["canonical_solution"]
    write(tmp_path / "repo" / "x.py", 'def has_close_elements(numbers, threshold):\n    """Mine."""\n' + solution)
    with pytest.raises(CorpusError, match="contaminated"):
        build([tmp_path / "repo"])


def test_mbpp_file_decontaminates_and_bad_rows_are_named(build, write, tmp_path, function_source):
    write(tmp_path / "repo" / "a.py", LONG_FUNCTION + function_source("alpha"))
    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text(json.dumps({"task_id": 1, "text": "Rank customers.", "code": LONG_FUNCTION, "test_list": []}) + "\n")
    stats, rows = build([tmp_path / "repo"], decontaminate=(str(mbpp),))
    assert [row["name"] for row in rows] == ["alpha"] and stats.removed["contaminated"] == 1

    mbpp.write_text(json.dumps({"text": "ok", "code": "x = 1"}) + "\n{not json\n")
    with pytest.raises(CorpusError, match=r"mbpp\.jsonl:2: malformed JSON"):
        build([tmp_path / "repo"], decontaminate=(str(mbpp),))
    mbpp.write_text(json.dumps({"question": "no known field"}) + "\n")
    with pytest.raises(CorpusError, match=r"mbpp\.jsonl:1: benchmark row has none of the fields"):
        build([tmp_path / "repo"], decontaminate=(str(mbpp),))


def test_benchmark_overlap_of_ordinary_code_is_low():
    index = BenchmarkIndex(get_language("python"))
    assert index.overlap(LONG_FUNCTION) < 0.1
    problem = next(humaneval_problems())
    assert index.overlap(get_language("python").strip_comments(problem["prompt"] + problem["canonical_solution"])) == 1.0


def test_size_filters_and_their_counts(build, write, tmp_path, function_source):
    write(
        tmp_path / "src" / "sizes.py",
        "def short(x):\n    return x\n\n"
        + "def long_one(x):\n" + "".join(f"    x = x + {i}\n" for i in range(70)) + "    return x\n"
        + function_source("kept"),
    )
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["kept"]
    assert stats.removed["too_few_lines"] == 1 and stats.removed["too_many_lines"] == 1
    stats, rows = build([tmp_path / "src"], filters=FunctionFilters(max_lines=100, max_chars=200))
    assert stats.removed["too_many_chars"] == 1


def test_generated_and_minified_code_is_removed(build, write, tmp_path, function_source):
    write(tmp_path / "src" / "gen.py", "# Code generated by protoc. DO NOT EDIT.\n" + function_source("generated"))
    minified = "def packed(a, b):\n    x = [" + ", ".join(str(i) for i in range(120)) + "]\n    return x[a] + b\n"
    write(tmp_path / "src" / "min.py", minified + function_source("kept"))
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["kept"]
    assert stats.removed["generated_or_minified"] == 2


def test_no_tests_removes_test_files_directories_and_names(build, write, tmp_path, function_source):
    write(tmp_path / "src" / "lib.py", function_source("library") + function_source("test_inline", "-"))
    write(tmp_path / "src" / "tests" / "helpers.py", function_source("helper", "*"))
    write(tmp_path / "src" / "test_lib.py", function_source("check", "//"))
    stats, rows = build([tmp_path / "src"])
    assert len(rows) == 4 and stats.removed["test"] == 0
    stats, rows = build([tmp_path / "src"], filters=FunctionFilters(drop_tests=True))
    assert [row["name"] for row in rows] == ["library"] and stats.removed["test"] == 3


@pytest.mark.parametrize(
    "name, container, path, expected",
    [
        ("test_parse", None, "pkg/parser.py", True),
        ("parse", "TestParser", "pkg/parser.py", True),
        ("parse", None, "tests/parser.py", True),
        ("Parse", None, "strings/parse_test.go", True),
        ("BenchmarkParse", None, "strings/parse.go", True),
        ("parse", None, "spec/parser_spec.rb", True),
        ("parse", None, "src/parser.test.js", True),
        ("parse", "ParserTest", "src/ParserTest.java", True),
        ("testify", None, "pkg/testing/helpers.go", False),
        ("parse", "Parser", "lib/unittest/case.py", False),
    ],
)
def test_test_heuristics(name, container, path, expected):
    assert is_test(name, container, path, "") is expected


def test_junit_annotation_marks_a_test():
    assert is_test("parses", "Parser", "src/Parser.java", "@Test\nvoid parses() {}")


def test_nested_functions_are_dropped_unless_kept(build, write, tmp_path):
    write(
        tmp_path / "src" / "outer.py",
        """
        def outer(values):
            def inner(value, scale):
                scaled = value * scale
                shifted = scaled + 1
                return shifted
            return [inner(value, 2) for value in values]
        """,
    )
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["outer"] and stats.removed["nested"] == 1
    stats, rows = build([tmp_path / "src"], keep_nested=True)
    assert sorted(row["name"] for row in rows) == ["inner", "outer"]
