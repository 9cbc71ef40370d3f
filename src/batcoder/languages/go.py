"""Go: function declarations and methods (the container is the receiver's type), ``//`` and ``/* */``
comments; the comment block right above a declaration is its doc comment.

Function literals are values, not declarations, and are not returned by :meth:`functions`; a
declaration without a body (implemented in assembly) is skipped.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_go

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles, node_text
from batcoder.languages.common import (
    clean_c_style_comments,
    comment_removals,
    comments_above,
    comments_before,
    documentation_above,
    find_nodes,
    literal_rows,
    make_function,
    strip_snippet,
)

_DEFINITION_TYPES = frozenset({"function_declaration", "method_declaration"})
_LITERAL_TYPES = frozenset({"raw_string_literal", "interpreted_string_literal", "rune_literal"})
_COMMENT_TYPES = frozenset({"comment"})
# ``//go:noinline``, ``//export F``, ``//line f.go:1``, ``//nolint``: not documentation
_DIRECTIVE = re.compile(rb"^//(?:[a-z0-9]+:[a-z0-9]|export |extern |line |nolint)")


def _receiver_type(method: tree_sitter.Node) -> str | None:
    """``T`` for receivers written ``(t T)``, ``(t *T)``, ``(T)`` or ``(t T[K, V])``."""
    receiver = method.child_by_field_name("receiver")
    declaration = next((child for child in receiver.named_children if child.type == "parameter_declaration"), None)
    if declaration is None:
        return None
    receiver_type = declaration.child_by_field_name("type")
    while receiver_type is not None and receiver_type.type in ("pointer_type", "generic_type", "parenthesized_type"):
        if receiver_type.type == "generic_type":
            receiver_type = receiver_type.child_by_field_name("type")
        else:
            receiver_type = receiver_type.named_children[0] if receiver_type.named_children else None
    return receiver_type.text.decode("utf-8", errors="replace") if receiver_type is not None else None


class Go(Language):
    name = "go"
    extensions = (".go",)
    grammar = staticmethod(tree_sitter_go.language)
    line_comment = "//"
    stop_sequences = ("\nfunc", "struct", "\n// ")  # MultiPL-E's Go stop tokens
    # MultiPL-E's Go programs are test files: ``go test`` runs their Test* functions.
    runtime = Runtime(command=("go", "test", "-count=1"), main_file="main_test.go", executables=("go",))
    roles = SyntaxRoles(
        function=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        comment=_COMMENT_TYPES,
        string=frozenset({"interpreted_string_literal", "raw_string_literal", "rune_literal"}),
        number=frozenset({"int_literal", "float_literal", "imaginary_literal"}),
        identifier=frozenset({"identifier"}),
        call=frozenset({"call_expression"}),
        attribute=frozenset({"selector_expression"}),
        assignment=frozenset(
            {
                "assignment_statement",
                "short_var_declaration",
                "var_spec",
                "const_spec",
                "inc_statement",
                "dec_statement",
            }
        ),
        parameter=frozenset({"parameter_declaration", "variadic_parameter_declaration"}),
        branch=frozenset(
            {
                "if_statement",
                "expression_switch_statement",
                "type_switch_statement",
                "select_statement",
                "expression_case",
                "type_case",
                "default_case",
                "communication_case",
            }
        ),
        loop=frozenset({"for_statement"}),
        statement_block=frozenset({"block", "statement_list", "source_file"}),
        jump=frozenset(
            {"return_statement", "break_statement", "continue_statement", "goto_statement", "fallthrough_statement"}
        ),
        definition_target=frozenset(
            {
                "assignment_statement.left",
                "short_var_declaration.left",
                "var_spec.name",
                "const_spec.name",
                "range_clause.left",
            }
        ),
        transparent=frozenset({"expression_list", "expression_statement", "parenthesized_expression"}),
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
            is_method = definition.type == "method_declaration"
            found.append(
                make_function(
                    data,
                    definition,
                    body,
                    starts_inside,
                    name=node_text(name, data),
                    docstring=clean_c_style_comments(comments_above(data, definition, _COMMENT_TYPES)),
                    kind="method" if is_method else "function",
                    container=_receiver_type(definition) if is_method else None,
                    nested=False,  # Go has no nested declarations
                )
            )
        return found

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        return documentation_above(
            self, source, function, _DEFINITION_TYPES, _COMMENT_TYPES,
            documentation=lambda block: comments_before(block, lambda comment: bool(_DIRECTIVE.match(comment.text))),
        )

    def _after_unfinished_function(self, prompt: str, solution: str) -> str:
        """The body of the solution's function of the prompt's name, then its other functions.
        Go allows neither a redefinition nor a second package clause or import block, so the
        solution's own package and imports are dropped: what the prompt imports is what there is."""
        unfinished = self.functions(prompt + "}\n")
        if not unfinished:
            raise ValueError("the prompt holds no function to complete")
        name = unfinished[-1].name
        defined = [function for function in self.functions(solution) if not function.nested]
        target = next((function for function in defined if function.name == name), None)
        if target is None:
            return solution  # no such function: the program fails to compile, as it should
        others = [function.code for function in defined if function is not target]
        return "\n\n".join([target.body.removeprefix("{").lstrip("\n"), *others]) + "\n"

    def strip_comments(self, code: str) -> str:
        return strip_snippet(self, code, comment_removals(self, _COMMENT_TYPES), _LITERAL_TYPES)


LANGUAGE = Go()
