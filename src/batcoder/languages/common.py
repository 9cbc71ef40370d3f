"""Tree-based building blocks shared by the language modules.

Every edit is located by the byte offsets of tree-sitter nodes, never by regular expressions over
code: finding nodes with a query, deleting comment/docstring ranges, tidying the lines an edit
emptied, cutting a definition out of its file with its indentation removed, and collecting the
comment block written right above a definition.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from bisect import bisect_right
from functools import cache
from typing import Callable, Iterable

import tree_sitter

from batcoder.languages.base import DocSlot, Function, Language

Edit = tuple[int, int, bytes]  # (start_byte, end_byte, replacement)

_CLOSING_LINE = re.compile(rb"^\s*([})\]]|end\s*$)")


@cache
def _query(language: Language, pattern: str) -> tree_sitter.Query:
    return tree_sitter.Query(language.ts_language, pattern)


def find_nodes(language: Language, node: tree_sitter.Node, node_types: Iterable[str]) -> list[tree_sitter.Node]:
    """All nodes of the given types under ``node``, in document order (a query runs in C, unlike a walk)."""
    pattern = "[" + " ".join(f"({node_type})" for node_type in sorted(node_types)) + "] @node"
    found = tree_sitter.QueryCursor(_query(language, pattern)).captures(node).get("node", [])
    return sorted(found, key=lambda found_node: (found_node.start_byte, -found_node.end_byte))


def literal_rows(literals: Iterable[tree_sitter.Node]) -> tuple[set[int], set[int]]:
    """Rows (0-based) that multi-line literals make untouchable.

    Returns ``(starts_inside, ends_inside)``: rows whose beginning lies inside a literal (their
    indentation and blankness are string content) and rows whose end lies inside one (their trailing
    whitespace is string content).
    """
    starts_inside: set[int] = set()
    ends_inside: set[int] = set()
    for literal in literals:
        first, last = literal.start_point.row, literal.end_point.row
        if last > first:
            starts_inside.update(range(first + 1, last + 1))
            ends_inside.update(range(first, last))
    return starts_inside, ends_inside


def removal_edit(source: bytes, node: tree_sitter.Node) -> Edit:
    """Delete ``node`` (a comment) without gluing its neighbours together.

    A comment between two tokens on one line becomes a space; a multi-line block comment with code
    on both of its ends becomes a newline (several grammars treat it as a line break, e.g. Go's
    semicolon insertion and JavaScript's ASI).
    """
    start, end = node.start_byte, node.end_byte
    line_start = source.rfind(b"\n", 0, start) + 1
    line_end = source.find(b"\n", end)
    line_end = len(source) if line_end < 0 else line_end
    code_before = bool(source[line_start:start].strip())
    code_after = bool(source[end:line_end].strip())
    if b"\n" in source[start:end] and code_before and code_after:
        return start, end, b"\n"
    if code_before and code_after:
        start -= len(source[line_start:start]) - len(source[line_start:start].rstrip())
        if not source[end : end + 1].isspace():
            return start, end, b" "
    return start, end, b""


def apply_edits(source: bytes, edits: Iterable[Edit]) -> tuple[bytes, list[int]]:
    """Apply non-overlapping edits; returns the new text and the offsets (in it) where each edit landed.
    An edit starting inside an earlier one is dropped (it was removed with it)."""
    pieces: list[bytes] = []
    touched: list[int] = []
    position = length = 0
    for start, end, replacement in sorted(edits):
        if start < position:
            continue
        pieces.append(source[position:start])
        length += start - position
        touched.append(length)
        pieces.append(replacement)
        length += len(replacement)
        position = end
    pieces.append(source[position:])
    return b"".join(pieces), touched


def _indent(line: bytes) -> int:
    return len(line) - len(line.lstrip())


def tidy_lines(source: bytes, touched: Iterable[int], starts_inside: set[int], ends_inside: set[int]) -> bytes:
    """Strip trailing whitespace and drop the lines that edits left empty.

    Blank lines next to a removed line are merged (keeping the longest original run), and dropped
    entirely at the start/end of the file, at the start of a block and before a closing bracket/end,
    so that removing a docstring or a comment block does not leave a gap behind. Lines inside
    multi-line literals are never touched.
    """
    ends_with_newline = source.endswith(b"\n")
    lines = (source[:-1] if ends_with_newline else source).split(b"\n")
    line_starts = [0]
    for line in lines[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    touched_rows = {bisect_right(line_starts, offset) - 1 for offset in touched}

    kinds: list[str] = []  # "code", "blank" or "removed"
    for row, line in enumerate(lines):
        if row not in ends_inside:
            lines[row] = line = line.rstrip()
        if line or row in starts_inside:
            kinds.append("code")
        else:
            kinds.append("removed" if row in touched_rows else "blank")

    kept: list[bytes] = []
    row = 0
    while row < len(lines):
        if kinds[row] == "code":
            kept.append(lines[row])
            row += 1
            continue
        run_end = row
        while run_end < len(lines) and kinds[run_end] != "code":
            run_end += 1
        run = kinds[row:run_end]
        if "removed" not in run:
            kept.extend(lines[row:run_end])
        else:
            blank_runs = "".join("b" if kind == "blank" else "|" for kind in run).split("|")
            keep = max(len(blank_run) for blank_run in blank_runs)
            previous_code = kept[-1] if kept else None
            next_code = lines[run_end] if run_end < len(lines) else None
            if (
                previous_code is None
                or next_code is None
                or _indent(next_code) > _indent(previous_code)
                or _CLOSING_LINE.match(next_code)
            ):
                keep = 0
            kept.extend([b""] * keep)
        row = run_end
    return b"\n".join(kept) + (b"\n" if ends_with_newline and kept else b"")


def strip_ranges(language: Language, source: bytes, edits: Iterable[Edit], literal_types: Iterable[str]) -> str:
    """Apply the edits, then tidy the result (literals found by re-parsing the edited text)."""
    edits = list(edits)
    edited, touched = apply_edits(source, edits)
    tree = language.parser.parse(edited)
    if tree.root_node.has_error and any(replacement == b"\n" for _, _, replacement in edits):
        # A line break standing in for a multi-line comment can be wrong where the grammar does not
        # want a statement end (``x := 1 /* ... */ ; y := 2``): fall back to a space.
        if not language.parser.parse(source).root_node.has_error:
            edits = [(start, end, b" " if replacement == b"\n" else replacement) for start, end, replacement in edits]
            edited, touched = apply_edits(source, edits)
            tree = language.parser.parse(edited)
    starts_inside, ends_inside = literal_rows(find_nodes(language, tree.root_node, literal_types))
    return tidy_lines(edited, touched, starts_inside, ends_inside).decode("utf-8", errors="replace")


def dedented_text(source: bytes, start: int, end: int, first_row: int, starts_inside: set[int]) -> str:
    """``source[start:end]`` (which begins on row ``first_row``) with the indentation of its first line
    removed from every line; lines that begin inside a multi-line literal are kept verbatim."""
    line_start = source.rfind(b"\n", 0, start) + 1
    width = _indent(source[line_start:start] + b"x")
    lines = source[start:end].split(b"\n")
    out = [lines[0]]
    for offset, line in enumerate(lines[1:], 1):
        if first_row + offset in starts_inside:
            out.append(line)
        else:
            out.append(line[min(width, len(line) - len(line.lstrip(b" \t"))) :])
    return b"\n".join(out).decode("utf-8", errors="replace")


def make_function(
    source: bytes,
    outer: tree_sitter.Node,
    body: tree_sitter.Node,
    starts_inside: set[int],
    *,
    name: str,
    docstring: str | None,
    kind: str,
    container: str | None,
    nested: bool,
) -> Function:
    """A :class:`Function` spanning ``outer`` (decorators/annotations included) whose body is ``body``."""
    return Function(
        name=name,
        code=dedented_text(source, outer.start_byte, outer.end_byte, outer.start_point.row, starts_inside),
        start_line=outer.start_point.row + 1,
        end_line=outer.end_point.row + 1,
        signature=dedented_text(
            source, outer.start_byte, body.start_byte, outer.start_point.row, starts_inside
        ).rstrip(),
        body=dedented_text(source, body.start_byte, body.end_byte, body.start_point.row, starts_inside),
        docstring=docstring,
        kind=kind,
        container=container,
        nested=nested,
    )


def comments_above(source: bytes, anchor: tree_sitter.Node, comment_types: frozenset[str]) -> list[tree_sitter.Node]:
    """The contiguous block of comment nodes right above ``anchor`` (no blank line in between, each
    comment starting its own line), top to bottom."""
    # A comment before the first statement of a body belongs to the body's parent, not to the body.
    while anchor.prev_sibling is None and anchor.parent is not None and anchor.parent.start_byte == anchor.start_byte:
        anchor = anchor.parent
    block: list[tree_sitter.Node] = []
    next_row = anchor.start_point.row
    candidate = anchor.prev_sibling
    while candidate is not None and candidate.type in comment_types:
        if candidate.end_point.row < next_row - 1:
            break
        line_start = source.rfind(b"\n", 0, candidate.start_byte) + 1
        if source[line_start : candidate.start_byte].strip():
            break  # a trailing comment of the previous statement
        block.append(candidate)
        next_row = candidate.start_point.row
        candidate = candidate.prev_sibling
    block.reverse()
    return block


def find_definition(
    language: Language,
    source: bytes,
    node_types: Iterable[str],
    function: Function,
    named: Callable[[tree_sitter.Node], tuple[str | None, tree_sitter.Node] | None],
) -> tuple[tree_sitter.Node, tree_sitter.Node] | None:
    """``(definition, outer)`` of the definition in ``source`` that ``function`` was extracted from:
    the first node of ``node_types`` whose ``named(node)`` is ``(function.name, outer)`` with
    ``outer`` (the span the function covers) starting on ``function.start_line``."""
    root = language.parser.parse(source).root_node
    for node in find_nodes(language, root, node_types):
        found = named(node)
        if found is not None and found[0] == function.name and found[1].start_point.row == function.start_line - 1:
            return node, found[1]
    return None


def named_by_field(definition: tree_sitter.Node) -> tuple[str | None, tree_sitter.Node]:
    """``(name, definition)`` for a definition whose ``name`` field names it (a ``named`` callback of
    :func:`find_definition`)."""
    name = definition.child_by_field_name("name")
    return (name.text.decode("utf-8", errors="replace") if name is not None else None), definition


def documentation_above(
    language: Language,
    source: str,
    function: Function,
    node_types: Iterable[str],
    comment_types: frozenset[str],
    *,
    named: Callable[[tree_sitter.Node], tuple[str | None, tree_sitter.Node] | None] = named_by_field,
    documentation: Callable[[list[tree_sitter.Node]], list[tree_sitter.Node]] = lambda block: block,
    pinned: Callable[[tree_sitter.Node], bool] = lambda comment: False,
) -> DocSlot | None:
    """:meth:`Language.documentation_slot` for languages documenting a definition with the comments
    above it: ``documentation(block)`` picks the documenting ones out of that block (default: all);
    ``pinned`` comments (Ruby's magic comments) stay above it, with everything above them."""
    data = source.encode("utf-8")
    found = find_definition(language, data, node_types, function, named)
    if found is None:
        return None
    block = comments_above(data, found[1], comment_types)
    last_pinned = max((index for index, comment in enumerate(block) if pinned(comment)), default=-1)
    block = block[last_pinned + 1 :]
    return comment_slot(data, found[1], block, documentation(block))


def comments_before(block: list[tree_sitter.Node], directive: Callable[[tree_sitter.Node], bool]) -> list[tree_sitter.Node]:
    """The comments of ``block`` before its first ``directive`` (``//go:noinline``, ``# rubocop:disable``):
    the documentation, which a rewrite replaces while the directives stay next to the definition."""
    documentation = []
    for comment in block:
        if directive(comment):
            break
        documentation.append(comment)
    return documentation


def comment_slot(
    source: bytes, anchor: tree_sitter.Node, block: list[tree_sitter.Node], documentation: list[tree_sitter.Node]
) -> DocSlot | None:
    """The :class:`DocSlot` of documentation written as comment lines above ``anchor``: over
    ``documentation`` (the part of ``block``, the comments right above, that documents it) when
    there is some, else new lines above the whole block (a directive such as
    ``// eslint-disable-next-line`` stays next to the definition). None when code precedes the
    anchor on its line."""
    line_start = source.rfind(b"\n", 0, anchor.start_byte) + 1
    first_on_line = min([anchor, *block], key=lambda node: node.start_byte if node.start_byte >= line_start else len(source))
    leading = source[line_start : first_on_line.start_byte]  # ``/** doc */ int f()``: the comment leads
    if leading.strip():
        return None
    indent = leading.decode("utf-8")
    if not documentation:
        start = source.rfind(b"\n", 0, block[0].start_byte) + 1 if block else line_start
        return DocSlot(start, start, indent, indent, "\n", replaces=False)
    start = source.rfind(b"\n", 0, documentation[0].start_byte) + 1
    end = documentation[-1].end_byte
    line_end = source.find(b"\n", end)
    rest = source[end : len(source) if line_end < 0 else line_end]
    if rest.strip():  # the definition (or another comment) follows on the documentation's last line
        return DocSlot(start, end + len(rest) - len(rest.lstrip()), indent, indent, "\n" + indent, replaces=True)
    return DocSlot(start, line_end + 1, indent, indent, "\n", replaces=True)


def clean_line_comments(texts: Iterable[str], marker: str) -> str | None:
    """Join line comments, removing ``marker`` and the common indentation after it."""
    lines = [text.strip().removeprefix(marker).rstrip() for text in texts]
    lines = [line[1:] if line.startswith(" ") else line for line in lines]  # the space after the marker
    cleaned = textwrap.dedent("\n".join(lines)).strip("\n")
    return cleaned or None


def clean_block_comment(text: str) -> str | None:
    """The text of a ``/* ... */`` or ``/** ... */`` comment without its markers and leading stars."""
    inner = text.strip()
    inner = inner[3:] if inner.startswith("/**") else inner[2:]
    inner = inner[:-2] if inner.endswith("*/") else inner
    lines = [re.sub(r"^\s*\*(?!/) ?", "", line).rstrip() for line in inner.splitlines()]
    cleaned = inspect.cleandoc("\n".join(lines))
    return cleaned or None


def enclosing(
    node: tree_sitter.Node, function_types: frozenset[str], container_name
) -> tuple[str | None, bool]:
    """``(container, nested)`` for a definition: the name of the nearest enclosing class-like node
    when no function lies in between (``container_name(node)`` names such nodes, None for others),
    and whether any function encloses it."""
    container: str | None = None
    inside_function = False
    parent = node.parent
    while parent is not None:
        if parent.type in function_types:
            inside_function = True
        elif not inside_function and container is None:
            container = container_name(parent)
        parent = parent.parent
    return container, inside_function


def clean_c_style_comments(comments: list[tree_sitter.Node]) -> str | None:
    """Documentation text of a run of ``//`` and/or ``/* */`` comments, markers removed."""
    parts: list[str] = []
    line_run: list[str] = []
    for comment in comments:
        text = comment.text.decode("utf-8", errors="replace")
        if text.startswith("/*"):
            if line_run:
                parts.append(clean_line_comments(line_run, "//") or "")
                line_run = []
            parts.append(clean_block_comment(text) or "")
        else:
            line_run.append(text)
    if line_run:
        parts.append(clean_line_comments(line_run, "//") or "")
    cleaned = "\n".join(part for part in parts if part)
    return cleaned or None


def strip_snippet(
    language: Language,
    code: str,
    removals: Callable[[tree_sitter.Node, bytes], list[Edit]],
    literal_types: Iterable[str],
) -> str:
    """``strip_ranges`` over ``code`` parsed with :meth:`Language.parse_snippet`, so that a class
    member is stripped inside the wrapper that makes it parse; the wrapper is removed afterwards.
    ``removals(root, source)`` lists the edits for the parsed tree."""
    tree, source = language.parse_snippet(code)
    stripped = strip_ranges(language, source, removals(tree.root_node, source), literal_types)
    for prefix, suffix in language.snippet_wrappers:
        wrapped = source == (prefix + code + suffix).encode("utf-8")
        if wrapped and stripped.startswith(prefix) and stripped.endswith(suffix):
            return stripped[len(prefix) : len(stripped) - len(suffix)]
    return stripped


def comment_removals(
    language: Language, comment_types: Iterable[str]
) -> Callable[[tree_sitter.Node, bytes], list[Edit]]:
    """A ``removals`` callback deleting every comment node."""
    return lambda root, source: [removal_edit(source, comment) for comment in find_nodes(language, root, comment_types)]
