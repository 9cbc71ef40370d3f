import shutil
import subprocess

import pytest

from batcoder.languages import get_language, walk

GO = get_language("go")

SOURCE = '''\
// Package shapes holds shapes.
package shapes

import "fmt"

// Point is a point.
type Point struct{ X, Y int }

// Add returns the sum.
//
//	Add(1, 2) == 3
func Add(a, b int) int { return a + b /* inline */ }

/* Move shifts the point.
 * It mutates p.
 */
func (p *Point) Move(dx int) {
	raw := `raw // not a comment   
   /* nor this */`
	quoted := "// quoted"
	double := func(x int) int { return 2 * x } // trailing
	p.X += double(dx)
	fmt.Println(raw, quoted)
}

// Norm has a value receiver.

func (p Point) Norm() int { return p.X*p.X + p.Y*p.Y }

func (Point) Origin() Point { return Point{} }

func (p Pair[K, V]) Key() K { return p.key }

func assembly(x int) int
'''


def by_name(source=SOURCE):
    return {function.name: function for function in GO.functions(source)}


def test_functions_and_methods_with_receivers():
    functions = by_name()
    assert sorted(functions) == ["Add", "Key", "Move", "Norm", "Origin"]
    assert (functions["Add"].kind, functions["Add"].container) == ("function", None)
    assert (functions["Move"].kind, functions["Move"].container) == ("method", "Point")  # pointer receiver
    assert functions["Norm"].container == "Point"
    assert functions["Origin"].container == "Point"  # receiver without a name
    assert functions["Key"].container == "Pair"  # generic receiver
    assert not any(function.nested for function in functions.values())


def test_function_literals_and_bodiless_declarations_are_skipped():
    names = [function.name for function in GO.functions(SOURCE)]
    assert "double" not in names and "assembly" not in names


def test_spans_signature_and_body():
    move = by_name()["Move"]
    assert (move.start_line, move.end_line) == (17, 24)
    assert move.signature == "func (p *Point) Move(dx int)"
    assert move.body.startswith("{\n\traw := `raw // not a comment   \n   /* nor this */`")
    assert move.code == move.signature + " " + move.body


def test_doc_comments():
    functions = by_name()
    assert functions["Add"].docstring == "Add returns the sum.\n\n\tAdd(1, 2) == 3"
    assert functions["Move"].docstring == "Move shifts the point.\nIt mutates p."
    assert functions["Norm"].docstring is None  # separated by a blank line
    assert functions["Origin"].docstring is None


def test_strip_removes_comments_and_keeps_string_contents():
    stripped = GO.strip_comments(SOURCE)
    assert GO.is_valid(stripped)
    assert [node for node in walk(GO.parse(stripped).root_node) if node.type == "comment"] == []
    assert "raw := `raw // not a comment   \n   /* nor this */`" in stripped
    assert 'quoted := "// quoted"' in stripped
    assert "func Add(a, b int) int { return a + b }" in stripped
    assert stripped.startswith("package shapes\n\nimport \"fmt\"\n\ntype Point struct")
    assert all(function.docstring is None for function in GO.functions(stripped))
    assert GO.strip_comments(stripped) == stripped


def test_multiline_comment_between_statements_keeps_them_apart():
    code = "package p\n\nfunc f() {\n\tx := 1 /* a\n\tb */ y := 2\n\t_, _ = x, y\n}\n"
    stripped = GO.strip_comments(code)
    assert GO.is_valid(stripped)
    assert "x := 1\n" in stripped


@pytest.mark.skipif(shutil.which("gofmt") is None, reason="gofmt not installed")
def test_stripped_code_is_accepted_by_gofmt(tmp_path):
    path = tmp_path / "stripped.go"
    path.write_text(GO.strip_comments(SOURCE))
    result = subprocess.run(["gofmt", "-e", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_language_facts():
    assert GO.extensions == (".go",)
    assert GO.runtime.main_file.endswith("_test.go")
    assert GO.run_argv()[:2] == ["go", "test"]
    assert "\nfunc" in GO.stop_sequences
