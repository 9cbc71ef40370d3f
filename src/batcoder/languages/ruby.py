"""Ruby: ``def`` methods (instance, ``def self.x``/``def obj.x``, inside ``class << self``, endless),
``#`` and ``=begin``/``=end`` comments; the comment block above a ``def`` is its documentation.

Blocks, procs and lambdas are values, not definitions: they are not returned by :meth:`functions`
(a ``def`` written inside a block is). A method with an empty body has nothing to reconstruct and is
skipped, as bodiless declarations are in every language.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_ruby

from batcoder.languages.base import DocSlot, Function, Language, Runtime, SyntaxRoles, node_text
from batcoder.languages.common import (
    clean_line_comments,
    comment_removals,
    comments_above,
    comments_before,
    documentation_above,
    enclosing,
    find_nodes,
    literal_rows,
    make_function,
    strip_snippet,
)

_DEFINITION_TYPES = frozenset({"method", "singleton_method"})
_LITERAL_TYPES = frozenset(
    {"string", "heredoc_body", "regex", "subshell", "string_array", "symbol_array", "delimited_symbol", "uninterpreted"}
)
_COMMENT_TYPES = frozenset({"comment"})
_MAGIC_COMMENT = re.compile(rb"^#\s*(?:-\*-.*-\*-|(?:frozen_string_literal|encoding|coding|warn_indent|shareable_constant_value|typed)\s*:)")
_DIRECTIVE = re.compile(rb"^#\s*(?:rubocop|steep|sorbet|standard):")


def _container_name(node: tree_sitter.Node) -> str | None:
    if node.type not in ("class", "module"):
        return None
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8", errors="replace") if name is not None else None


def _in_singleton_class(node: tree_sitter.Node) -> bool:
    """True for a ``def`` written directly in a ``class << self`` body."""
    parent = node.parent
    while parent is not None and parent.type not in ("class", "module", "method", "singleton_method"):
        if parent.type == "singleton_class":
            return True
        parent = parent.parent
    return False


def _clean_doc(comments: list[tree_sitter.Node]) -> str | None:
    lines = []
    for comment in comments:
        text = comment.text.decode("utf-8", errors="replace")
        if text.startswith("=begin"):
            lines.extend(text.splitlines()[1:-1])
        else:
            lines.append(text)
    return clean_line_comments(lines, "#")


class Ruby(Language):
    name = "ruby"
    extensions = (".rb",)
    grammar = staticmethod(tree_sitter_ruby.language)
    line_comment = "#"
    stop_sequences = ("\nclass", "\ndef", "\n#", "\n\n")  # MultiPL-E's Ruby stop tokens
    runtime = Runtime(command=("ruby", "{file}"), main_file="main.rb", executables=("ruby",))
    roles = SyntaxRoles(
        # Blocks are closures with parameters, like lambdas.
        function=frozenset({"method", "singleton_method", "lambda", "block", "do_block"}),
        comment=_COMMENT_TYPES,
        string=frozenset(
            {
                "string",
                "chained_string",
                "character",
                "heredoc_body",
                "string_array",
                "symbol_array",
                "simple_symbol",
                "delimited_symbol",
                "regex",
                "subshell",
            }
        ),
        number=frozenset({"integer", "float", "complex", "rational"}),
        identifier=frozenset({"identifier", "constant", "instance_variable", "class_variable", "global_variable"}),
        call=frozenset({"call", "super", "yield"}),
        attribute=frozenset({"scope_resolution"}),
        assignment=frozenset({"assignment", "operator_assignment"}),
        # Bare parameters are ``identifier`` children of the parameter lists; the others wrap one (field ``name``).
        parameter=frozenset(
            {
                "method_parameters",
                "lambda_parameters",
                "block_parameters",
                "optional_parameter",
                "keyword_parameter",
                "splat_parameter",
                "hash_splat_parameter",
                "block_parameter",
                "destructured_parameter",
            }
        ),
        branch=frozenset(
            {
                "if",
                "elsif",
                "else",
                "unless",
                "if_modifier",
                "unless_modifier",
                "conditional",
                "case",
                "when",
                "case_match",
                "in_clause",
                "rescue",
                "rescue_modifier",
            }
        ),
        loop=frozenset({"while", "until", "for", "while_modifier", "until_modifier"}),
        statement_block=frozenset({"program", "body_statement", "block_body", "then", "do", "begin"}),
        jump=frozenset({"return", "break", "next", "redo", "retry"}),
        definition_target=frozenset({"assignment.left", "operator_assignment.left", "for.pattern"}),
        member_name=frozenset({"call.method"}),
        transparent=frozenset({"parenthesized_statements"}),
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
            container, nested = enclosing(definition, _DEFINITION_TYPES, _container_name)
            if definition.type == "singleton_method" or _in_singleton_class(definition):
                kind = "singleton_method"
            else:
                kind = "method" if container is not None else "function"
            found.append(
                make_function(
                    data,
                    definition,
                    body,
                    starts_inside,
                    name=node_text(name, data),
                    docstring=_clean_doc(comments_above(data, definition, _COMMENT_TYPES)),
                    kind=kind,
                    container=container,
                    nested=nested,
                )
            )
        return found

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        # magic comments (``# frozen_string_literal: true``) keep their place, directives stay next to the method
        return documentation_above(
            self, source, function, _DEFINITION_TYPES, _COMMENT_TYPES,
            documentation=lambda block: comments_before(block, lambda comment: bool(_DIRECTIVE.match(comment.text))),
            pinned=lambda comment: bool(_MAGIC_COMMENT.match(comment.text)),
        )

    def _after_unfinished_function(self, prompt: str, solution: str) -> str:
        # Close the prompt's open ``def``; the solution's definition, which follows, replaces it.
        return "end\n" + solution

    def strip_comments(self, code: str) -> str:
        return strip_snippet(self, code, comment_removals(self, _COMMENT_TYPES), _LITERAL_TYPES)


LANGUAGE = Ruby()
