"""Java: methods and constructors (record compact constructors included) of classes, interfaces' default
and static methods, enums, records and anonymous classes; the Javadoc ``/** ... */`` right above a
declaration is its documentation. Abstract and interface methods have no body and are skipped;
lambdas are values, not declarations, and are not returned by :meth:`functions`.
"""

from __future__ import annotations

import tree_sitter
import tree_sitter_java

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles, node_text
from batcoder.languages.common import (
    clean_block_comment,
    comment_removals,
    comments_above,
    documentation_above,
    enclosing,
    find_nodes,
    literal_rows,
    make_function,
    strip_snippet,
)

_CONSTRUCTOR_TYPES = frozenset({"constructor_declaration", "compact_constructor_declaration"})
_DEFINITION_TYPES = frozenset({"method_declaration"}) | _CONSTRUCTOR_TYPES
_SCOPE_TYPES = _DEFINITION_TYPES | {"lambda_expression"}
_TYPE_DECLARATIONS = frozenset(
    {
        "class_declaration",
        "interface_declaration",
        "enum_declaration",
        "record_declaration",
        "annotation_type_declaration",
    }
)
_LITERAL_TYPES = frozenset({"string_literal", "character_literal"})
_COMMENT_TYPES = frozenset({"line_comment", "block_comment"})


def _container_name(node: tree_sitter.Node) -> str | None:
    """The declared type's name; for an anonymous class, the type it instantiates."""
    if node.type in _TYPE_DECLARATIONS:
        name = node.child_by_field_name("name")
    elif node.type == "object_creation_expression":
        name = node.child_by_field_name("type")
    else:
        return None
    return name.text.decode("utf-8", errors="replace") if name is not None else None


def _javadoc(source: bytes, declaration: tree_sitter.Node) -> str | None:
    docs = _javadoc_comments(comments_above(source, declaration, _COMMENT_TYPES))
    return clean_block_comment(docs[-1].text.decode("utf-8", errors="replace")) if docs else None


def _javadoc_comments(block: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """The Javadoc of a declaration: the last ``/** ... */`` of the comments above it."""
    return [comment for comment in block if comment.text.startswith(b"/**")][-1:]


class Java(Language):
    name = "java"
    extensions = (".java",)
    grammar = staticmethod(tree_sitter_java.language)
    line_comment = "//"
    snippet_wrappers = (("class _ {\n", "\n}"),)  # constructors are only valid inside a class
    stop_sequences = ("\n    }\n",)  # MultiPL-E's Java stop token: the end of a method inside ``class Problem``
    # Single-file source-code launch (JEP 330): the first top-level class must declare ``main``.
    runtime = Runtime(command=("java", "{file}"), main_file="Main.java", executables=("java",))
    roles = SyntaxRoles(
        function=frozenset(_DEFINITION_TYPES | {"lambda_expression"}),
        comment=_COMMENT_TYPES,
        string=_LITERAL_TYPES,
        number=frozenset(
            {
                "decimal_integer_literal",
                "hex_integer_literal",
                "octal_integer_literal",
                "binary_integer_literal",
                "decimal_floating_point_literal",
                "hex_floating_point_literal",
            }
        ),
        identifier=frozenset({"identifier"}),
        call=frozenset({"method_invocation", "object_creation_expression", "explicit_constructor_invocation"}),
        attribute=frozenset({"field_access"}),
        assignment=frozenset({"assignment_expression", "variable_declarator", "update_expression"}),
        # A lambda's single bare parameter is its ``parameters`` field, an ``identifier``.
        parameter=frozenset({"formal_parameter", "spread_parameter", "inferred_parameters"}),
        branch=frozenset(
            {
                "if_statement",
                "ternary_expression",
                "switch_expression",
                "switch_block_statement_group",
                "switch_rule",
                "try_statement",
                "try_with_resources_statement",
                "catch_clause",
            }
        ),
        loop=frozenset({"for_statement", "enhanced_for_statement", "while_statement", "do_statement"}),
        statement_block=frozenset({"block", "constructor_body", "program"}),
        jump=frozenset(
            {"return_statement", "break_statement", "continue_statement", "throw_statement", "yield_statement"}
        ),
        definition_target=frozenset(
            {"variable_declarator.name", "assignment_expression.left", "enhanced_for_statement.name"}
        ),
        member_name=frozenset({"field_access.field", "method_invocation.name"}),
        transparent=frozenset({"expression_statement", "parenthesized_expression"}),
    )

    def functions(self, source: str) -> list[Function]:
        data = source.encode("utf-8")
        root = self.parser.parse(data).root_node
        starts_inside, _ = literal_rows(find_nodes(self, root, _LITERAL_TYPES))
        found = []
        for definition in find_nodes(self, root, _DEFINITION_TYPES):
            body = definition.child_by_field_name("body")
            name = definition.child_by_field_name("name")
            if body is None or name is None:
                continue
            container, nested = enclosing(definition, _SCOPE_TYPES, _container_name)
            found.append(
                make_function(
                    data,
                    definition,
                    body,
                    starts_inside,
                    name=node_text(name, data),
                    docstring=_javadoc(data, definition),
                    kind="constructor" if definition.type in _CONSTRUCTOR_TYPES else "method",
                    container=container,
                    nested=nested,
                )
            )
        return found

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        return documentation_above(self, source, function, _DEFINITION_TYPES, _COMMENT_TYPES, documentation=_javadoc_comments)

    def strip_comments(self, code: str) -> str:
        return strip_snippet(self, code, comment_removals(self, _COMMENT_TYPES), _LITERAL_TYPES)


LANGUAGE = Java()
