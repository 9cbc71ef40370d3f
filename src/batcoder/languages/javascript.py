"""JavaScript: function and generator declarations, function expressions and arrow functions bound to a
name (variable declarator, assignment, object property, class field), class and object methods; the
JSDoc ``/** ... */`` right above a definition is its documentation.

Functions that are never bound to a name (callbacks passed as arguments, IIFEs, ``export default
function () {}``) are values, not definitions, and are not returned by :meth:`functions`.
"""

from __future__ import annotations

import tree_sitter
import tree_sitter_javascript

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles
from batcoder.languages.common import (
    clean_block_comment,
    comment_removals,
    comments_above,
    documentation_above,
    find_nodes,
    literal_rows,
    make_function,
    strip_snippet,
)

_FUNCTION_KINDS = {
    "function_declaration": "function",
    "generator_function_declaration": "generator",
    "function_expression": "function",
    "generator_function": "generator",
    "arrow_function": "arrow",
    "method_definition": "method",
}
_FUNCTION_TYPES = frozenset(_FUNCTION_KINDS)
_LITERAL_TYPES = frozenset({"string", "template_string", "regex"})
_COMMENT_TYPES = frozenset({"comment", "html_comment", "hash_bang_line"})
_DOC_BLOCK_TYPES = _COMMENT_TYPES - {"hash_bang_line"}  # a new JSDoc goes below a ``#!`` line, never above it


def _text(node: tree_sitter.Node | None) -> str | None:
    return node.text.decode("utf-8", errors="replace") if node is not None else None


def _with_export(node: tree_sitter.Node) -> tree_sitter.Node:
    parent = node.parent
    return parent if parent is not None and parent.type == "export_statement" else node


def _binding_name(node: tree_sitter.Node) -> str | None:
    """The name a class or object literal is bound to (``class A {}``, ``const A = class {}``, ``const o = {}``)."""
    if node.type in ("class_declaration", "class") and node.child_by_field_name("name") is not None:
        return _text(node.child_by_field_name("name"))
    parent = node.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return _text(name) if name.type == "identifier" else None
    if parent is not None and parent.type == "assignment_expression":
        return _text(parent.child_by_field_name("left"))
    return None


def _member_container(owner: tree_sitter.Node | None) -> str | None:
    """The class or object literal owning a method/field/property: its binding name."""
    if owner is None:
        return None
    if owner.type == "class_body":
        owner = owner.parent
    return _binding_name(owner) if owner is not None else None


def _named_definition(node: tree_sitter.Node) -> tuple[str, tree_sitter.Node, str | None] | None:
    """``(name, outer node spanning the definition, container)``, or None for an unnamed function value."""
    parent = node.parent
    if node.type in ("function_declaration", "generator_function_declaration"):
        return _text(node.child_by_field_name("name")), _with_export(node), None
    if node.type == "method_definition":
        return _text(node.child_by_field_name("name")), node, _member_container(parent)
    if parent is None:
        return None
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == node:
        name = parent.child_by_field_name("name")
        if name.type != "identifier":
            return None
        declaration = parent.parent
        sole = sum(child.type == "variable_declarator" for child in declaration.named_children) == 1
        return _text(name), _with_export(declaration) if sole else parent, None
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == node:
        target = parent.child_by_field_name("left")
        outer = parent.parent if parent.parent is not None and parent.parent.type == "expression_statement" else parent
        if target.type == "identifier":
            return _text(target), outer, None
        if target.type == "member_expression":
            owner = _text(target.child_by_field_name("object"))
            return _text(target.child_by_field_name("property")), outer, owner.removesuffix(".prototype")
        return None
    if parent.type == "pair" and parent.child_by_field_name("value") == node:
        key = parent.child_by_field_name("key")
        name = _text(key)[1:-1] if key.type == "string" else _text(key)
        return name, parent, _member_container(parent.parent)
    if parent.type == "field_definition" and parent.child_by_field_name("value") == node:
        return _text(parent.child_by_field_name("property")), parent, _member_container(parent.parent)
    return None


def _kind(node: tree_sitter.Node) -> str:
    if node.type != "method_definition":
        return _FUNCTION_KINDS[node.type]
    tokens = {child.type for child in node.children if not child.is_named}
    if _text(node.child_by_field_name("name")) == "constructor" and node.parent.type == "class_body":
        return "constructor"
    if "get" in tokens:
        return "getter"
    if "set" in tokens:
        return "setter"
    return "generator_method" if "*" in tokens else "method"


def _jsdoc(source: bytes, outer: tree_sitter.Node) -> str | None:
    docs = _jsdoc_comments(comments_above(source, outer, _COMMENT_TYPES))
    return clean_block_comment(docs[-1].text.decode("utf-8", errors="replace")) if docs else None


def _jsdoc_comments(block: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """The JSDoc of a definition: the last ``/** ... */`` of the comments above it."""
    return [comment for comment in block if comment.text.startswith(b"/**")][-1:]


def _name_and_outer(node: tree_sitter.Node) -> tuple[str | None, tree_sitter.Node] | None:
    named = _named_definition(node) if node.child_by_field_name("body") is not None else None
    return (named[0], named[1]) if named is not None else None


class JavaScript(Language):
    name = "javascript"
    extensions = (".js", ".mjs", ".cjs", ".jsx")
    grammar = staticmethod(tree_sitter_javascript.language)
    line_comment = "//"
    snippet_wrappers = (("class _ {\n", "\n}"), ("({\n", "\n})"))  # class members; object properties
    stop_sequences = ("\nfunction ", "\n/*", "\n//", "\nconsole.log")  # MultiPL-E's JavaScript stop tokens
    runtime = Runtime(command=("node", "{file}"), main_file="main.js", executables=("node",))
    roles = SyntaxRoles(
        function=_FUNCTION_TYPES,
        comment=_COMMENT_TYPES,
        string=frozenset({"string", "template_string", "regex"}),
        number=frozenset({"number"}),
        identifier=frozenset({"identifier", "shorthand_property_identifier", "shorthand_property_identifier_pattern"}),
        call=frozenset({"call_expression", "new_expression"}),
        attribute=frozenset({"member_expression"}),
        assignment=frozenset(
            {"assignment_expression", "augmented_assignment_expression", "variable_declarator", "update_expression"}
        ),
        # Bare parameters are ``identifier`` children of ``formal_parameters`` (or an arrow's ``parameter``).
        parameter=frozenset({"formal_parameters", "assignment_pattern", "rest_pattern"}),
        branch=frozenset(
            {
                "if_statement",
                "else_clause",
                "switch_statement",
                "switch_case",
                "switch_default",
                "ternary_expression",
                "try_statement",
                "catch_clause",
            }
        ),
        loop=frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"}),
        statement_block=frozenset({"statement_block", "program"}),
        jump=frozenset(
            {"return_statement", "break_statement", "continue_statement", "throw_statement", "yield_expression"}
        ),
        definition_target=frozenset(
            {
                "variable_declarator.name",
                "assignment_expression.left",
                "augmented_assignment_expression.left",
                "for_in_statement.left",
            }
        ),
        transparent=frozenset({"expression_statement", "parenthesized_expression"}),
    )

    def functions(self, source: str) -> list[Function]:
        data = source.encode("utf-8")
        root = self.parser.parse(data).root_node
        starts_inside, _ = literal_rows(find_nodes(self, root, _LITERAL_TYPES))
        found = []
        for definition in find_nodes(self, root, _FUNCTION_TYPES):
            body = definition.child_by_field_name("body")
            named = _named_definition(definition)
            if body is None or named is None or not named[0]:
                continue
            name, outer, container = named
            nested = False
            ancestor = outer.parent
            while ancestor is not None and not nested:
                nested = ancestor.type in _FUNCTION_TYPES
                ancestor = ancestor.parent
            found.append(
                make_function(
                    data,
                    outer,
                    body,
                    starts_inside,
                    name=name,
                    docstring=_jsdoc(data, outer),
                    kind=_kind(definition),
                    container=container,
                    nested=nested,
                )
            )
        return found

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        return documentation_above(
            self, source, function, _FUNCTION_TYPES, _DOC_BLOCK_TYPES, named=_name_and_outer, documentation=_jsdoc_comments
        )

    def strip_comments(self, code: str) -> str:
        return strip_snippet(self, code, comment_removals(self, _COMMENT_TYPES), _LITERAL_TYPES)


LANGUAGE = JavaScript()
