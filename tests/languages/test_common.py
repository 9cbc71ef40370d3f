"""The shared tree helpers, on their own."""

from batcoder.languages import get_language
from batcoder.languages.common import (
    apply_edits,
    clean_block_comment,
    clean_line_comments,
    comments_above,
    dedented_text,
    find_nodes,
    literal_rows,
    removal_edit,
    tidy_lines,
)

PY = get_language("python")
JS = get_language("javascript")


def test_apply_edits_reports_positions_and_drops_edits_inside_earlier_ones():
    edited, touched = apply_edits(b"abcdefgh", [(6, 7, b""), (1, 4, b"XY"), (2, 3, b"!")])
    assert edited == b"aXYefh"
    assert touched == [1, 5]


def test_removal_edit_never_glues_tokens():
    source = b"a/**/b + c /* x */ + d;\n"
    first, second = find_nodes(JS, JS.parser.parse(source).root_node, {"comment"})
    assert removal_edit(source, first) == (1, 5, b" ")
    assert removal_edit(source, second) == (10, 18, b"")  # the space before it goes too
    multiline = b"x = 1 /* a\nb */ y = 2;\n"
    (comment,) = find_nodes(JS, JS.parser.parse(multiline).root_node, {"comment"})
    assert removal_edit(multiline, comment)[2] == b"\n"


def test_tidy_drops_emptied_lines_merges_gaps_and_respects_literals():
    source = b"a = 1\n\n\n\nb = 2   \n"
    # row 2 was emptied by an edit: the blank rows on either side merge into the longest of them
    assert tidy_lines(source, [source.index(b"\n\n\n") + 2], set(), set()) == b"a = 1\n\nb = 2\n"
    assert tidy_lines(source, [], set(), set()) == b"a = 1\n\n\n\nb = 2\n"  # untouched blank lines stay
    block_start = b"def f():\n\n    \n    return 1\n"
    assert tidy_lines(block_start, [block_start.index(b"    \n")], set(), set()) == b"def f():\n    return 1\n"
    closing = b"{\n  f();\n\n  \n}\n"
    assert tidy_lines(closing, [closing.index(b"  \n}")], set(), set()) == b"{\n  f();\n}\n"
    literal = b's = """x   \n\n"""\n'
    starts_inside, ends_inside = literal_rows(find_nodes(PY, PY.parser.parse(literal).root_node, {"string"}))
    assert (starts_inside, ends_inside) == ({1, 2}, {0, 1})
    assert tidy_lines(literal, [literal.index(b"\n\n") + 1], starts_inside, ends_inside) == literal


def test_dedented_text_keeps_literal_lines():
    source = b"class A:\n    def f(self):\n        s = '''\n    raw\n'''\n        return s\n"
    method = find_nodes(PY, PY.parser.parse(source).root_node, {"function_definition"})[0]
    starts_inside, _ = literal_rows(find_nodes(PY, PY.parser.parse(source).root_node, {"string"}))
    text = dedented_text(source, method.start_byte, method.end_byte, method.start_point.row, starts_inside)
    assert text == "def f(self):\n    s = '''\n    raw\n'''\n    return s"


def test_comments_above_needs_contiguity_and_own_lines():
    source = b"x = 1 // not mine\n// one\n// two\nfunction f() {}\n\n// far\n\nfunction g() {}\n"
    root = JS.parser.parse(source).root_node
    f, g = find_nodes(JS, root, {"function_declaration"})
    assert [c.text for c in comments_above(source, f, frozenset({"comment"}))] == [b"// one", b"// two"]
    assert comments_above(source, g, frozenset({"comment"})) == []


def test_comment_cleaning():
    assert clean_line_comments(["# Title", "#", "#   indented", "#"], "#") == "Title\n\n  indented"
    assert clean_line_comments(["#"], "#") is None
    assert clean_block_comment("/**\n * Adds.\n *\n * @param a x\n */") == "Adds.\n\n@param a x"
    assert clean_block_comment("/* plain */") == "plain"
    assert clean_block_comment("/** */") is None
