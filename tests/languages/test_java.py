import shutil
import subprocess

import pytest

from batcoder.languages import get_language, walk

JAVA = get_language("java")

SOURCE = '''\
// Header comment
import java.util.*; /* trailing block */

/** Main's documentation. */
public class Main {
    private final int size;

    /** Builds a default instance. */
    public Main() { this(1); }

    Main(int size) { this.size = size; }

    /**
     * Adds numbers.
     *
     * @param a the first
     */
    @SuppressWarnings("unchecked")
    public static int add(int a, int... rest) { // sum them
        int total = a;
        for (int r : rest) total += r; /* loop */
        return total;
    }

    // A line comment is not Javadoc.
    int size() { return size; }

    interface Shape { double area(); default String name() { return "shape"; } }

    enum Color { RED; int code() { return 0; } }

    record Pair(int left, int right) { Pair { if (left > right) throw new IllegalArgumentException(); } }

    Runnable task() {
        return new Runnable() { public void run() { System.out.println("// not a comment"); } };
    }

    static String block() {
        char slash = '/';
        return """
            text // inside a text block   
            /* still text */
            """ + slash;
    }

    public static void main(String[] args) { System.out.println(add(1, 2) + block()); }
}
'''


def by_name(source=SOURCE):
    functions = {}
    for function in JAVA.functions(source):
        functions.setdefault(function.name, []).append(function)
    return functions


def test_methods_and_constructors_with_containers():
    functions = by_name()
    assert sorted(functions) == ["Main", "Pair", "add", "block", "code", "main", "name", "run", "size", "task"]
    constructors = functions["Main"]
    assert [(c.kind, c.container) for c in constructors] == [("constructor", "Main"), ("constructor", "Main")]
    assert (functions["Pair"][0].kind, functions["Pair"][0].container) == ("constructor", "Pair")  # compact
    assert (functions["add"][0].kind, functions["add"][0].container) == ("method", "Main")
    assert functions["name"][0].container == "Shape"  # interface default method
    assert functions["code"][0].container == "Color"


def test_abstract_interface_methods_are_skipped():
    assert "area" not in by_name()
    assert JAVA.functions("abstract class A { abstract void f(); native int g(); }") == []


def test_anonymous_class_methods_are_nested():
    run = by_name()["run"][0]
    assert (run.nested, run.container, run.kind) == (True, "Runnable", "method")
    assert not by_name()["task"][0].nested


def test_spans_signature_and_body_include_annotations():
    add = by_name()["add"][0]
    assert (add.start_line, add.end_line) == (18, 23)
    assert add.signature == '@SuppressWarnings("unchecked")\npublic static int add(int a, int... rest)'
    assert add.code.startswith(add.signature + " {") and add.code.endswith("\n}")
    assert add.body.startswith("{ // sum them\n    int total = a;")


def test_javadoc():
    functions = by_name()
    assert functions["Main"][0].docstring == "Builds a default instance."
    assert functions["Main"][1].docstring is None
    assert functions["add"][0].docstring == "Adds numbers.\n\n@param a the first"
    assert functions["size"][0].docstring is None  # line comment above


def test_strip_removes_comments_keeps_text_blocks_and_strings():
    stripped = JAVA.strip_comments(SOURCE)
    assert JAVA.is_valid(stripped)
    assert [node for node in walk(JAVA.parse(stripped).root_node) if node.type in JAVA.roles.comment] == []
    assert '            text // inside a text block   \n            /* still text */\n' in stripped
    assert 'System.out.println("// not a comment")' in stripped and "char slash = '/';" in stripped
    assert "for (int r : rest) total += r;\n" in stripped
    assert stripped.startswith("import java.util.*;\n\npublic class Main {")
    assert all(function.docstring is None for function in JAVA.functions(stripped))
    assert JAVA.strip_comments(stripped) == stripped


@pytest.mark.skipif(shutil.which("java") is None, reason="java not installed")
def test_stripped_program_runs(tmp_path):
    (tmp_path / "Main.java").write_text(JAVA.strip_comments(SOURCE))
    result = subprocess.run(["java", "Main.java"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "3text // inside a text block\n/* still text */\n/\n"  # Java trims text-block line ends


def test_language_facts():
    assert JAVA.extensions == (".java",)
    assert JAVA.run_argv()[0] == "java"
    assert JAVA.runtime.main_file == "Main.java"
