"""Python: functions (async, decorated, nested, methods), PEP 257 docstrings, ``#`` comments.

A lambda is an expression, not a definition, and is not returned by :meth:`functions`. Stripping
removes comments and every statement that is only a string (docstrings, and strings used as
comments); a block left empty gets ``pass``.
"""

from __future__ import annotations

import ast
import inspect

import tree_sitter
import tree_sitter_python

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles, node_text
from batcoder.languages.common import (
    Edit,
    enclosing,
    find_definition,
    find_nodes,
    literal_rows,
    make_function,
    removal_edit,
    strip_snippet,
)

_FUNCTION_TYPES = frozenset({"function_definition"})
_LITERAL_TYPES = frozenset({"string"})


def _docstring_statement(block: tree_sitter.Node | None) -> tuple[tree_sitter.Node, str] | None:
    """The first statement of a module/class/function body and its value, when it is a docstring."""
    if block is None:
        return None
    statement = next((child for child in block.named_children if child.type != "comment"), None)
    value = _string_statement_value(statement)
    return (statement, value) if value is not None else None


def _string_statement_value(statement: tree_sitter.Node | None) -> str | None:
    """The value of a statement that is nothing but a ``str`` literal (plain or implicitly
    concatenated; f-strings and bytes are not), else None."""
    if statement is None or statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    literal = statement.named_children[0]
    if literal.type not in ("string", "concatenated_string"):
        return None
    try:
        value = ast.literal_eval(literal.text.decode("utf-8"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _named(definition: tree_sitter.Node) -> tuple[str | None, tree_sitter.Node] | None:
    name = definition.child_by_field_name("name")
    if name is None or definition.child_by_field_name("body") is None:
        return None
    outer = definition.parent if definition.parent.type == "decorated_definition" else definition
    return name.text.decode("utf-8", errors="replace"), outer


def _line_indent(source: bytes, node: tree_sitter.Node) -> tuple[str, bool]:
    """The indentation of ``node``'s line, and whether ``node`` is the first thing on it."""
    line_start = source.rfind(b"\n", 0, node.start_byte) + 1
    line = source[line_start : node.start_byte]
    leading = line[: len(line) - len(line.lstrip())]
    return leading.decode("utf-8"), not line.strip()


def _class_name(node: tree_sitter.Node) -> str | None:
    if node.type != "class_definition":
        return None
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8", errors="replace") if name is not None else None


class Python(Language):
    name = "python"
    extensions = (".py",)
    grammar = staticmethod(tree_sitter_python.language)
    line_comment = "#"
    stop_sequences = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#", "\n@")
    runtime = Runtime(command=("python3", "{file}"), main_file="main.py", executables=("python3",))
    roles = SyntaxRoles(
        function=frozenset({"function_definition", "lambda"}),
        comment=frozenset({"comment"}),
        string=frozenset({"string", "concatenated_string"}),
        number=frozenset({"integer", "float"}),
        identifier=frozenset({"identifier"}),
        call=frozenset({"call"}),
        attribute=frozenset({"attribute"}),
        assignment=frozenset({"assignment", "augmented_assignment", "named_expression"}),
        # A bare parameter is an ``identifier`` child of ``parameters``/``lambda_parameters``; the others
        # wrap the parameter's identifier (field ``name``, or the only identifier child for splats).
        parameter=frozenset(
            {
                "parameters",
                "lambda_parameters",
                "default_parameter",
                "typed_parameter",
                "typed_default_parameter",
                "list_splat_pattern",
                "dictionary_splat_pattern",
            }
        ),
        branch=frozenset(
            {
                "if_statement",
                "elif_clause",
                "else_clause",
                "conditional_expression",
                "match_statement",
                "case_clause",
                "try_statement",
                "except_clause",
            }
        ),
        loop=frozenset({"for_statement", "while_statement", "for_in_clause"}),
        statement_block=frozenset({"block", "module"}),
        jump=frozenset({"return_statement", "break_statement", "continue_statement", "raise_statement", "yield"}),
        definition_target=frozenset(
            {
                "assignment.left",
                "augmented_assignment.left",
                "named_expression.name",
                "for_statement.left",
                "for_in_clause.left",
                "as_pattern.alias",
            }
        ),
        member_name=frozenset({"attribute.attribute", "keyword_argument.name"}),
        transparent=frozenset({"expression_statement", "parenthesized_expression"}),
    )

    def functions(self, source: str) -> list[Function]:
        data = source.encode("utf-8")
        root = self.parser.parse(data).root_node
        starts_inside, _ = literal_rows(find_nodes(self, root, _LITERAL_TYPES))
        found = []
        for definition in find_nodes(self, root, _FUNCTION_TYPES):
            body = definition.child_by_field_name("body")
            name = definition.child_by_field_name("name")
            if body is None or name is None:
                continue
            outer = definition.parent if definition.parent.type == "decorated_definition" else definition
            container, nested = enclosing(outer, _FUNCTION_TYPES, _class_name)
            docstring = _docstring_statement(body)
            found.append(
                make_function(
                    data,
                    outer,
                    body,
                    starts_inside,
                    name=node_text(name, data),
                    docstring=inspect.cleandoc(docstring[1]) if docstring else None,
                    kind="method" if container is not None else "function",
                    container=container,
                    nested=nested,
                )
            )
        return found

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        """The docstring statement when there is one, else a new first statement of the body; a
        body written on the ``def`` line moves to lines of its own under the docstring."""
        data = source.encode("utf-8")
        found = find_definition(self, data, _FUNCTION_TYPES, function, _named)
        if found is None:
            return None
        definition, outer = found
        body = definition.child_by_field_name("body")
        docstring = _docstring_statement(body)
        first = docstring[0] if docstring else next(child for child in body.named_children if child.type != "comment")
        indent, own_line = _line_indent(data, first)
        if not own_line:  # ``def f(x): return x``: one level deeper than the definition
            outer_indent = _line_indent(data, outer)[0]
            indent = outer_indent + ("\t" if outer_indent.startswith("\t") else "    ")
        if docstring:
            return DocSlot(first.start_byte, first.end_byte, indent, "", "", replaces=True)
        colon = next(child for child in definition.children if child.type == ":")
        if own_line:  # right under the ``def`` line, above any comment that opens the body
            below = colon.next_sibling
            while below.type == "comment" and below.start_point.row == colon.end_point.row:
                below = below.next_sibling
            line_start = data.rfind(b"\n", 0, min(below.start_byte, first.start_byte)) + 1
            return DocSlot(line_start, line_start, indent, indent, "\n", replaces=False)
        return DocSlot(colon.end_byte, first.start_byte, indent, "\n" + indent, "\n" + indent, replaces=False)

    def strip_comments(self, code: str) -> str:
        return strip_snippet(self, code, self._removals, _LITERAL_TYPES)

    def _after_unfinished_function(self, prompt: str, solution: str) -> str:
        # A benchmark prompt's function ends with its docstring, which is a valid body: the solution,
        # imports included, follows and its definition replaces the stub.
        return "\n" + solution

    def _removals(self, root: tree_sitter.Node, source: bytes) -> list[Edit]:
        """Every comment, and every statement that is only a string: the docstrings of the module,
        classes and functions, and later strings used as comments (one after a docstring would
        otherwise become the new docstring)."""
        edits = [removal_edit(source, comment) for comment in find_nodes(self, root, self.roles.comment)]
        for body in [root, *find_nodes(self, root, {"block"})]:
            strings = [child for child in body.named_children if _string_statement_value(child) is not None]
            if strings:
                edits.extend(self._string_statement_edits(body, strings))
        return edits

    @staticmethod
    def _string_statement_edits(body: tree_sitter.Node, statements: list[tree_sitter.Node]) -> list[Edit]:
        """Delete the statements; a block left empty gets ``pass`` in place of the first one."""
        remaining = [child for child in body.named_children if child.type != "comment" and child not in statements]
        edits = []
        for statement in statements:
            if not remaining and body.type == "block" and not edits:
                edits.append((statement.start_byte, statement.end_byte, b"pass"))
                continue
            end = statement.end_byte
            separator = statement.next_sibling
            if separator is not None and separator.type == ";":
                after = separator.next_sibling
                same_line = after is not None and after.start_point.row == separator.end_point.row
                end = after.start_byte if same_line else separator.end_byte
            edits.append((statement.start_byte, end, b""))
        return edits


LANGUAGE = Python()
