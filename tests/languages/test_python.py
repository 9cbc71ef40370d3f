import ast

from batcoder.languages import get_language, walk

PY = get_language("python")

SOURCE = '''\
#!/usr/bin/env python3
"""Module docstring."""
import os  # trailing comment


# a comment block
# spanning lines

@decorator(1)
@other
async def outer(a, b=1) -> int:
    """Outer doc.

        Indented detail.
    """
    marker = "# not a comment"  # a real comment
    text = """multi
    # inside a string   

    end"""
    def inner(x):
        "Inner only has a docstring."
    return marker


class Shape:
    \'\'\'Shape doc\'\'\'

    def area(self): "Area doc"; return 0

    @staticmethod
    def make():
        # comment before the docstring
        """Make doc."""
        # and after it
        return Shape()

    class Inner:
        def deep(self):
            def deeper():
                return 1
            return deeper


def plain():
    return f"{os.sep}"
'''


def by_name(source):
    return {function.name: function for function in PY.functions(source)}


def test_finds_every_definition_with_kinds_and_containers():
    functions = by_name(SOURCE)
    assert sorted(functions) == ["area", "deep", "deeper", "inner", "make", "outer", "plain"]
    outer = functions["outer"]
    assert (outer.kind, outer.container, outer.nested) == ("function", None, False)
    assert (functions["inner"].kind, functions["inner"].nested) == ("function", True)
    assert (functions["area"].kind, functions["area"].container) == ("method", "Shape")
    assert (functions["deep"].container, functions["deep"].nested) == ("Inner", False)
    assert (functions["deeper"].container, functions["deeper"].nested) == (None, True)


def test_decorators_are_part_of_code_and_lines():
    outer = by_name(SOURCE)["outer"]
    assert outer.start_line == 9
    assert outer.code.startswith("@decorator(1)\n@other\nasync def outer(a, b=1) -> int:")
    assert outer.signature == "@decorator(1)\n@other\nasync def outer(a, b=1) -> int:"
    assert outer.end_line == 23
    assert outer.code.rstrip().endswith("return marker")
    make = by_name(SOURCE)["make"]
    assert make.code.startswith("@staticmethod\ndef make():")


def test_method_code_is_dedented_but_string_content_is_not():
    functions = by_name(SOURCE)
    assert functions["deep"].code.startswith("def deep(self):\n    def deeper():\n        return 1")
    ast.parse(functions["deep"].code)
    outer = functions["outer"].code
    assert '    # inside a string   \n\n    end"""' in outer  # literal text kept byte for byte
    ast.parse(outer)


def test_body_is_the_block():
    plain = by_name(SOURCE)["plain"]
    assert plain.body == 'return f"{os.sep}"'
    assert plain.signature == "def plain():"


def test_docstrings_are_cleaned():
    functions = by_name(SOURCE)
    assert functions["outer"].docstring == "Outer doc.\n\nIndented detail."
    assert functions["inner"].docstring == "Inner only has a docstring."
    assert functions["area"].docstring == "Area doc"
    assert functions["make"].docstring == "Make doc."
    assert functions["plain"].docstring is None


def test_fstring_and_bytes_are_not_docstrings():
    functions = by_name('def f():\n    f"{x}"\n    return 1\n\ndef g():\n    b"raw"\n')
    assert functions["f"].docstring is None
    assert functions["g"].docstring is None
    assert "f\"{x}\"" in PY.strip_comments('def f():\n    f"{x}"\n    return 1\n')


def comment_and_docstring_nodes(code):
    tree = PY.parse(code)
    leftovers = [node for node in walk(tree.root_node) if node.type == "comment"]
    for function in PY.functions(code):
        assert function.docstring is None, function.name
    return leftovers


def test_strip_removes_all_comments_and_docstrings_and_stays_valid():
    stripped = PY.strip_comments(SOURCE)
    assert PY.is_valid(stripped)
    ast.parse(stripped)
    assert comment_and_docstring_nodes(stripped) == []
    assert ast.get_docstring(ast.parse(stripped)) is None
    for node in ast.walk(ast.parse(stripped)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assert ast.get_docstring(node) is None, node.name
    assert '"# not a comment"' in stripped
    assert '    # inside a string   \n\n    end"""' in stripped
    assert 'return f"{os.sep}"' in stripped


def test_strip_inserts_pass_for_bodies_that_were_only_a_docstring():
    stripped = PY.strip_comments('class A:\n    """Doc."""\n\ndef f():\n    """Doc."""\n    # nothing else\n')
    assert stripped == "class A:\n    pass\n\ndef f():\n    pass\n"
    assert PY.strip_comments('def g(): "doc"\n') == "def g(): pass\n"


def test_strip_removes_strings_used_as_comments():
    """A second string statement after the docstring would become the new docstring (seen in the
    standard library's test_doctest.py); strings anywhere in a body are no-ops and go too."""
    code = 'def f(x):\n    r"""Doc."""\n    """More notes."""\n    y = x\n    "why"\n    if y:\n        "only"\n    return f"{y}"\n'
    stripped = PY.strip_comments(code)
    assert stripped == 'def f(x):\n    y = x\n    if y:\n        pass\n    return f"{y}"\n'
    assert PY.functions(stripped)[0].docstring is None
    assert PY.strip_comments('def g():\n    """a"""\n    """b"""\n') == "def g():\n    pass\n"


def test_strip_keeps_statements_after_a_semicolon():
    stripped = PY.strip_comments('def f():\n    "doc"; x = 1\n    return x\n')
    assert stripped == "def f():\n    x = 1\n    return x\n"
    ast.parse(stripped)


def test_strip_leaves_no_gap_and_no_trailing_whitespace():
    code = 'def f(a):   \n    """Doc.\n\n    More.\n    """\n\n    # why\n    return a  # note\n'
    assert PY.strip_comments(code) == "def f(a):\n    return a\n"


def test_strip_keeps_original_blank_lines_between_definitions():
    code = "import os\n\n\n# section\n\ndef f():\n    return os\n"
    assert PY.strip_comments(code) == "import os\n\n\ndef f():\n    return os\n"


def test_strip_is_identity_without_comments():
    code = "def f(a):\n    return a\n"
    assert PY.strip_comments(code) == code


def test_roles_and_runtime():
    assert "function_definition" in PY.roles.function
    assert PY.roles.comment == frozenset({"comment"})
    assert PY.run_argv()[0] in PY.runtime.executables
    assert "print(1)" in PY.program_files("print(1)").values()
    assert "\ndef " in PY.stop_sequences and "\nclass " in PY.stop_sequences
