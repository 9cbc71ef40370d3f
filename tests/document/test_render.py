"""Each language's documentation convention, placed where the language reads documentation from."""

import ast
import inspect
import shutil
import subprocess

import pytest

from batcoder.document.edits import apply_documentation, documentation_edit
from batcoder.document.render import _go_summary, render
from batcoder.document.sources import SourceFile
from batcoder.languages import get_language
from batcoder.prompts import render_doc

DOC = render_doc(
    "Return the larger of two numbers.",
    ["Compare the two numbers.", "Give back the one that is not smaller."],
    parameters=[("a", "the first number"), ("b", "the second number")],
    returns="the larger number",
)


def source_file(tmp_path, language, text, name="sample"):
    extension = get_language(language).extensions[0]
    path = tmp_path / f"{name}{extension}"
    path.write_bytes(text.encode("utf-8"))
    return SourceFile(path, path, get_language(language), text.encode("utf-8"), 0o644)


def document_all(source, doc=DOC):
    """The file with every top-level function documented with ``doc``; the functions after."""
    functions = source.language.functions(source.text)
    edits = {index: documentation_edit(source, function, doc)[0] for index, function in enumerate(functions) if not function.nested}
    edited, failed = apply_documentation(source, edits)
    assert failed == []
    assert not source.language.parse(edited).root_node.has_error
    return edited, source.language.functions(edited)


def test_python_docstring_under_the_def_line(tmp_path):
    code = 'def bigger(a, b):\n    # pick one\n    return a if a > b else b\n\n\ndef tiny(x): return x\n'
    edited, functions = document_all(source_file(tmp_path, "python", code))
    assert edited.startswith('def bigger(a, b):\n    """Return the larger of two numbers.\n\n    Parameters:\n    - a: the first number\n')
    assert '    """\n    # pick one\n    return a if a > b else b\n' in edited
    assert 'def tiny(x):\n    """Return the larger' in edited and "\n    return x\n" in edited  # the one-line body moved down
    for function in functions:
        assert function.docstring == inspect.cleandoc(edited.split('"""')[1])


def test_python_docstring_escapes_quotes_and_backslashes(tmp_path):
    doc = render_doc('Join parts with a "\\" separator """ quoted.', ["Join the parts."], parameters=[], returns="the text")
    edited, (function,) = document_all(source_file(tmp_path, "python", "def join(parts):\n    return parts\n"), doc)
    module = ast.parse(edited)
    assert ast.get_docstring(module.body[0]).splitlines()[0] == 'Join parts with a "\\" separator """ quoted.'
    assert function.docstring.startswith('Join parts with a "\\" separator')


def test_python_replaces_an_existing_docstring_only(tmp_path):
    code = 'class A:\n    def f(self):\n        """Old words."""  # keep me\n        return 1\n'
    edited, (function,) = document_all(source_file(tmp_path, "python", code))
    assert "Old words" not in edited and '        """  # keep me\n        return 1\n' in edited
    assert function.docstring.startswith("Return the larger of two numbers.")


def test_ruby_yard_block_above_the_method(tmp_path):
    code = "class Pick\n  # Old comment.\n  def bigger(a, b)\n    a > b ? a : b\n  end\nend\n"
    edited, (function,) = document_all(source_file(tmp_path, "ruby", code))
    assert "Old comment" not in edited
    assert "  # Return the larger of two numbers.\n  #\n  # Behavior:\n  # 1. Compare the two numbers.\n" in edited
    assert "  # @param a the first number\n  # @param b the second number\n  # @return the larger number\n  def bigger" in edited
    assert function.docstring.startswith("Return the larger of two numbers.\n\nBehavior:")


def test_go_doc_comment_starts_with_the_name_and_is_gofmt_clean(tmp_path):
    code = "package pick\n\nfunc Bigger(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n"
    source = source_file(tmp_path, "go", code)
    edited, (function,) = document_all(source)
    assert "\n// Bigger returns the larger of two numbers.\n//\n// Parameters:\n//   - a: the first number\n" in edited
    assert "//  1. Compare the two numbers.\n" in edited and edited.endswith("func Bigger(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n")
    assert function.docstring.startswith("Bigger returns the larger of two numbers.")
    if shutil.which("gofmt"):
        source.path.write_text(edited)
        assert subprocess.run(["gofmt", "-l", str(source.path)], capture_output=True, text=True, check=True).stdout == ""


@pytest.mark.parametrize(
    "summary, expected",
    [
        ("Return the sum.", "Add returns the sum."),
        ("Apply a fix.", "Add applies a fix."),
        ("Pass it on.", "Add passes it on."),
        ("Returns the sum.", "Add returns the sum."),
        ("The sum of two numbers.", "Add: The sum of two numbers."),
    ],
)
def test_go_summary_names_the_function(summary, expected):
    assert _go_summary("Add", summary) == expected


def test_jsdoc_above_the_definition_and_below_a_hashbang(tmp_path):
    code = (
        "#!/usr/bin/env node\n"
        "function bigger(a, b) {\n  return a > b ? a : b;\n}\n\n"
        "class Pick {\n  // eslint-disable-next-line no-unused-vars\n  smaller(a, b) {\n    return a < b ? a : b;\n  }\n}\n"
    )
    edited, functions = document_all(source_file(tmp_path, "javascript", code))
    assert edited.startswith("#!/usr/bin/env node\n/**\n * Return the larger of two numbers.\n")
    assert " * @param a the first number\n * @param b the second number\n * @returns the larger number\n */\nfunction bigger" in edited
    # a new JSDoc goes above a directive comment, which stays next to the method it is about
    assert "   * @returns the larger number\n   */\n  // eslint-disable-next-line no-unused-vars\n  smaller(a, b) {" in edited
    assert [function.docstring.splitlines()[0] for function in functions] == ["Return the larger of two numbers."] * 2


def test_javadoc_replaces_only_the_javadoc(tmp_path):
    code = (
        "class Pick {\n    // a note\n    /** Old. */\n    @Deprecated\n    int bigger(int a, int b) {\n        return a > b ? a : b;\n    }\n\n"
        "    /** Inline. */ int smaller(int a, int b) {\n        return a < b ? a : b;\n    }\n}\n"
    )
    edited, functions = document_all(source_file(tmp_path, "java", code))
    assert "Old." not in edited and "Inline." not in edited
    assert "    // a note\n    /**\n     * Return the larger of two numbers.\n" in edited
    assert "     * @return the larger number\n     */\n    @Deprecated\n    int bigger" in edited
    assert "     */\n    int smaller(int a, int b) {" in edited
    assert all(function.docstring.startswith("Return the larger of two numbers.") for function in functions)


def test_crlf_files_keep_their_line_endings(tmp_path):
    code = "def f(a):\r\n    return a\r\n"
    edited, (function,) = document_all(source_file(tmp_path, "python", code))
    assert edited.count("\n") == edited.count("\r\n") and function.docstring.startswith("Return the larger")


def test_documentation_without_parameter_list_stays_prose(tmp_path):
    doc = render_doc("Print a greeting.", ["Write the greeting."], parameters=[("*names", "who to greet")], returns="nothing")
    lines = render("javascript", doc, "greet")
    assert "@param" not in "\n".join(lines) and " * Parameters:" in lines and " * - *names: who to greet" in lines
    assert not any("@returns" in line for line in lines)  # "Returns: nothing" is no tag


def test_every_supported_language_renders():
    for language in ("python", "ruby", "go", "javascript", "java"):
        assert render(language, DOC, "bigger")
    assert render("cobol", DOC, "bigger") is None


def test_a_definition_sharing_its_line_with_code_has_no_place(tmp_path):
    from batcoder.document.sources import find_sources, select_targets

    (tmp_path / "a.js").write_text("let x = 1; function f(a) {\n  return a;\n}\nfunction g(b) {\n  return b;\n}\n")
    skipped = {}
    targets, found = select_targets(find_sources([str(tmp_path)], None, {}), only_missing=False, max_code_chars=2000, skipped=skipped)
    assert found == 2 and [target.function.name for target in targets] == ["g"]
    assert skipped == {"no place for documentation": 1}


def test_directives_and_magic_comments_keep_their_place(tmp_path):
    go = "package p\n\n// Old words.\n//go:noinline\nfunc F(a int) int {\n\treturn a\n}\n\n//export G\nfunc G(b int) int {\n\treturn b\n}\n"
    edited, _ = document_all(source_file(tmp_path, "go", go))
    assert "Old words" not in edited
    assert "//  2. Give back the one that is not smaller.\n//go:noinline\nfunc F(" in edited
    assert "//  2. Give back the one that is not smaller.\n//export G\nfunc G(" in edited

    ruby = "# frozen_string_literal: true\ndef bigger(a, b)\n  a > b ? a : b\nend\n\n# rubocop:disable Style/X\ndef smaller(a, b)\n  a < b ? a : b\nend\n"
    edited, _ = document_all(source_file(tmp_path, "ruby", ruby))
    assert edited.startswith("# frozen_string_literal: true\n# Return the larger of two numbers.\n")
    assert "# @return the larger number\n# rubocop:disable Style/X\ndef smaller" in edited
