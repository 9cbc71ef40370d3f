"""Code structure graphs: the normalised, dependence-annotated graph CSSG (and CodeBLEU's data-flow
component) compare.

One pass over a tree-sitter tree builds, for every function in a program, a graph whose

* **nodes** are the named syntax nodes, labelled so that spelling does not matter but meaning does:
  parameters become ``PARAM_<position>``, locals ``VAR``, functions defined in the program ``FN``
  (their identity is carried by data-dependence edges, so the first-appearance order of locals is
  irrelevant); unresolved names (APIs, builtins, globals), attribute/method/keyword names, operators
  and literal values are kept verbatim; strings longer than :data:`LONG_STRING` characters and numbers
  with more than :data:`LONG_NUMBER` characters are bucketed by length;
* **edges** are syntax (parent→child, labelled with the grammar's field name or the child's position;
  a statement block adds no node, its statements hang from the enclosing construct), statement order
  (``seq``), control dependence (``cd``: the controlling predicate, or the loop/branch node when it has
  none, → each statement it directly controls) and data dependence (``dd``: definition → use, from an
  approximate reaching-definitions pass over the syntax tree: assignments kill earlier definitions,
  branch arms start from the same state and merge, uses inside a loop also see the definitions made
  later in the loop body).

Canonicalisation makes common equivalent spellings produce the same graph: comments, docstrings and
other string-only statements are dropped, wrappers listed in ``SyntaxRoles.transparent`` (parentheses,
expression statements) and single-argument argument lists are looked through, ``x op= e`` / ``x++``
become ``x = x op e`` / ``x = x + 1``, ``a > b`` / ``a >= b`` become ``b < a`` / ``b <= a``, and the
operands of commutative operators are unordered. Language knowledge comes only from
:class:`~batcoder.languages.SyntaxRoles` (see docs/cssg.md for the fields CSSG reads).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Callable, Iterator

import tree_sitter

from batcoder.languages import Language, SyntaxRoles

LONG_STRING = 32  # strings longer than this are labelled by length bucket only
LONG_NUMBER = 8  # numeric literals with more characters than this are labelled by length only

# Operators whose operands can be swapped without changing the result for the values they are
# normally applied to. ``+`` is included (string/list concatenation is the exception: documented in
# docs/cssg.md); short-circuit ``and``/``or``/``&&``/``||`` are not, since their order guards evaluation.
COMMUTATIVE = frozenset({"+", "*", "==", "!=", "===", "!==", "&", "|", "^", "is", "is not"})
_FLIPPED = {">": "<", ">=": "<="}
_PARAMETER_FIELDS = frozenset({"parameters", "parameter", "receiver"})
_NOT_PARAMETER_FIELDS = frozenset({"value", "type", "right", "default", "default_value", "return_type"})
_PLAIN_ASSIGN = frozenset({None, "=", ":="})
_INCREMENTS = ("++", "--")
_PUNCTUATION = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ":", "."})  # never operators
_QUOTES = re.compile(r"""^[A-Za-z@%]*(\"\"\"|'''|["'`])|(\"\"\"|'''|["'`])$""")
_SUBSCRIPT_WORDS = ("subscript", "index", "element_reference", "array_access", "slice")
# A call's argument list with a single argument is looked through, so that ``f(x for x in xs)`` and
# ``f((x for x in xs))`` (a generator passed bare or parenthesised) build the same graph.
_ARGUMENT_LISTS = frozenset({"argument_list", "arguments"})
# Node types that mean the same thing: Python's bare ``a, b`` and parenthesised ``(a, b)`` tuples.
_SAME_AS = {"expression_list": "tuple"}

# Edge kinds; the WL kernel sees each in both directions.
SEQ, CONTROL, DATA = "seq", "cd", "dd"


@dataclass
class Graph:
    """A labelled directed multigraph over a program's syntax nodes."""

    labels: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # 0-based source row of each node (when recorded)
    edges: list[tuple[int, int, str]] = field(default_factory=list)  # (source, target, kind)
    statements: list[int] = field(default_factory=list)  # nodes that are statements of some block
    data_edges: set[tuple[int, int]] = field(default_factory=set)  # (definition, use)

    def __len__(self) -> int:
        return len(self.labels)


class _Truncated(Exception):
    """The code ends where a statement block should be: treated as unparseable."""


class _Scope:
    """Names visible in one function: name -> symbol id."""

    def __init__(self, parent: _Scope | None):
        self.parent = parent
        self.names: dict[str, int] = {}
        self.parameter_count = 0

    def lookup(self, name: str) -> int | None:
        scope = self
        while scope is not None:
            symbol = scope.names.get(name)
            if symbol is not None:
                return symbol
            scope = scope.parent
        return None


class _Builder:
    def __init__(self, language: Language, source: bytes, tree: tree_sitter.Tree, record_rows: bool):
        self.source = source
        self.tree = tree
        self.cursor = tree.walk()
        self.graph = Graph()
        self.labels = self.graph.labels
        self.record_rows = record_rows
        tables = _tables(language)
        self.dispatch: dict[str, Callable] = tables.dispatch
        self.identifier_types = tables.roles.identifier
        self.string_types = tables.roles.string
        self.comment_types = tables.roles.comment
        self.transparent = tables.roles.transparent
        self.block_types = tables.roles.statement_block
        self.plain_types = tables.plain_types
        self.target_fields = tables.target_fields
        self.member_fields = tables.member_fields
        self.symbol_labels: list[str] = []
        self.node_symbol: dict[int, int] = {}  # identifier node -> symbol it reads or defines
        self.reaching: dict[int, tuple[int, ...]] = {}  # symbol -> definition nodes reaching here
        self.pending: list[tuple[int, int]] | None = None  # (symbol, node) defined when the assignment ends
        self.loop_uses: list[list[tuple[int, int]]] = []  # per open loop: (symbol, use node)
        self.unresolved: list[tuple[int, str]] = []  # (node, name) of names not bound where they were read
        self.first_binding: dict[str, str] = {}  # name -> label of its first binding anywhere
        self.scope = _Scope(None)
        self.controller = -1  # the node controlling the statements being visited (-1: none)

    # -- graph primitives -------------------------------------------------------------------------
    def add_node(self, label: str, node: tree_sitter.Node) -> int:
        labels = self.labels
        labels.append(label)
        if self.record_rows:
            self.graph.rows.append(node.start_point.row)
        return len(labels) - 1

    def add_edge(self, source: int, target: int, kind: str) -> None:
        self.graph.edges.append((source, target, kind))

    def add_data_edge(self, definition: int, use: int) -> None:
        if (definition, use) not in self.graph.data_edges:
            self.graph.data_edges.add((definition, use))
            self.add_edge(definition, use, DATA)

    def text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def child_nodes(self) -> Iterator[tuple[tree_sitter.Node, str | None]]:
        """(child, field name) for each child of the cursor's node. Callers visit each child before
        asking for the next and never stop early: visits leave the cursor where they found it."""
        cursor = self.cursor
        if not cursor.goto_first_child():
            return
        while True:
            yield cursor.node, cursor.field_name
            if not cursor.goto_next_sibling():
                break
        cursor.goto_parent()

    # -- symbols and data flow --------------------------------------------------------------------
    def new_symbol(self, name: str, label: str) -> int:
        symbol = len(self.symbol_labels)
        self.symbol_labels.append(label)
        self.scope.names[name] = symbol
        self.first_binding.setdefault(name, label)
        return symbol

    def use(self, symbol: int, node: int) -> None:
        for definition in self.reaching.get(symbol, ()):
            self.add_data_edge(definition, node)
        for uses in self.loop_uses:
            uses.append((symbol, node))

    def define(self, symbol: int, node: int) -> None:
        if self.pending is None:
            self.reaching[symbol] = (node,)
        else:
            self.pending.append((symbol, node))

    def merge_states(self, states: list[dict[int, tuple[int, ...]]]) -> None:
        """Where control flow joins, a symbol's reaching definitions are those of every path."""
        merged = dict(states[0])
        for state in states[1:]:
            for symbol, nodes in state.items():
                current = merged.get(symbol)
                if current is None:
                    merged[symbol] = nodes
                elif current is not nodes and current != nodes:  # most symbols are untouched by a branch
                    merged[symbol] = tuple(sorted({*current, *nodes}))
        self.reaching = merged

    # -- traversal --------------------------------------------------------------------------------
    def build(self) -> Graph:
        root = self.tree.root_node
        root_id = self.add_node(root.type, root)
        for statement in self.visit_block(root):
            self.add_edge(root_id, statement, "stmt")
        for node, name in self.unresolved:
            label = self.first_binding.get(name)
            if label is not None:  # read before its binding (a later function, a comprehension variable)
                self.graph.labels[node] = label
        return self.graph

    def visit(
        self, node: tree_sitter.Node, parent_type: str, field_name: str | None, in_target: bool, out: list
    ) -> None:
        """Add the subtree at the cursor to the graph; append (top node, edge label) to ``out`` —
        several for a transparent wrapper, the label None when the parent labels by position."""
        self.dispatch.get(node.type, _visit_expression)(self, node, parent_type, field_name, in_target, out)

    def visit_children(self, node: tree_sitter.Node, in_target: bool) -> tuple[list[tuple[int, str]], str | None]:
        """Visit the named children of the cursor's node; returns (node, edge label) pairs, with
        position labels for children without a field, and the node's operator token, if any."""
        emitted: list = []
        operator = None
        kind = node.type
        target_fields = self.target_fields.get(kind, ())
        cursor, handler_for = self.cursor, self.dispatch.get
        if cursor.goto_first_child():
            while True:
                child = cursor.node
                if child.is_named:
                    field_name = cursor.field_name
                    if field_name in _PARAMETER_FIELDS:
                        emitted.append((self.visit_parameters(child), "params"))
                    else:
                        handler_for(child.type, _visit_expression)(
                            self, child, kind, field_name, in_target or field_name in target_fields, emitted
                        )
                else:
                    token = child.type
                    if token in _INCREMENTS:
                        operator = token
                    elif token not in _PUNCTUATION:
                        field_name = cursor.field_name
                        if field_name == "operator":
                            operator = token
                        elif field_name == "operators":  # Python comparisons; "not in", "is not"
                            operator = token if operator is None else f"{operator} {token}"
                if not cursor.goto_next_sibling():
                    break
            cursor.goto_parent()
        position = 0
        for index, (child_id, label) in enumerate(emitted):
            if label is None:
                emitted[index] = (child_id, f"arg{position}")
                position += 1
        return emitted, operator

    def skip(self, node, parent_type, field_name, in_target, out) -> None:
        pass

    def visit_transparent(self, node, parent_type, field_name, in_target, out) -> None:
        out.extend((child, field_name) for child, _ in self.visit_children(node, in_target)[0])

    def visit_number(self, node, parent_type, field_name, in_target, out) -> None:
        text = self.text(node).lower().replace("_", "")
        out.append((self.add_node("NUM:" + (text if len(text) <= LONG_NUMBER else f"~{len(text)}"), node), field_name))

    def visit_identifier(self, node, parent_type, field_name, in_target, out) -> None:
        name = self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")
        if field_name is not None and field_name in self.member_fields.get(parent_type, ()):
            out.append((self.add_node("ID:" + name, node), field_name))
            return
        if in_target:
            symbol = self.scope.names.get(name)
            if symbol is None:
                symbol = self.new_symbol(name, "VAR")
            node_id = self.add_node(self.symbol_labels[symbol], node)
            self.define(symbol, node_id)
        else:
            symbol = self.scope.lookup(name)
            if symbol is None:
                node_id = self.add_node("ID:" + name, node)
                self.unresolved.append((node_id, name))
                out.append((node_id, field_name))
                return
            node_id = self.add_node(self.symbol_labels[symbol], node)
            self.use(symbol, node_id)
        self.node_symbol[node_id] = symbol
        out.append((node_id, field_name))

    def visit_string(self, node, parent_type, field_name, in_target, out) -> None:
        pieces, start, holes = [], node.start_byte, []
        for child, _ in self.child_nodes():
            if "interpolation" in child.type or "substitution" in child.type:
                pieces.append(self.source[start : child.start_byte])
                pieces.append(b"{}")
                start = child.end_byte
                holes.extend(self.visit_children(child, False)[0])
        pieces.append(self.source[start : node.end_byte])
        content = _QUOTES.sub("", b"".join(pieces).decode("utf-8", errors="replace"))
        label = "STR:" + (content if len(content) <= LONG_STRING else f"~{len(content).bit_length()}")
        string_id = self.add_node(label, node)
        for child_id, _ in holes:
            self.add_edge(string_id, child_id, "hole")
        out.append((string_id, field_name))

    def visit_function(self, node, parent_type, field_name, in_target, out) -> None:
        function_id = self.add_node(node.type, node)
        name_node = node.child_by_field_name("name")
        if name_node is not None and name_node.type in self.identifier_types:
            name = self.text(name_node)
            if self.scope.lookup(name) is None:
                self.new_symbol(name, "FN")
        outer = self.scope, self.controller, self.pending
        self.scope, self.controller, self.pending = _Scope(outer[0]), -1, None
        emitted: list = []
        for child, child_field in self.child_nodes():
            if not child.is_named or child_field == "name":
                continue
            if child_field in _PARAMETER_FIELDS:
                emitted.append((self.visit_parameters(child), "params"))
            else:
                self.visit(child, node.type, child_field, False, emitted)
        for child_id, label in emitted:
            self.add_edge(function_id, child_id, label or "child")
        self.scope, self.controller, self.pending = outer
        out.append((function_id, field_name))

    def visit_parameters(self, node: tree_sitter.Node) -> int:
        """Identifiers of a parameter list (at the cursor) become PARAM_<position> of the innermost
        scope; default values and types are ordinary expressions."""
        holder = self.add_node("PARAMS", node)
        if node.type in self.identifier_types:  # a lone parameter: ``x => x + 1``
            self.add_edge(holder, self.add_parameter(node), "param")
        else:
            self.collect_parameters(holder)
        return holder

    def add_parameter(self, node: tree_sitter.Node) -> int:
        symbol = self.new_symbol(self.text(node), f"PARAM_{self.scope.parameter_count}")
        self.scope.parameter_count += 1
        node_id = self.add_node(self.symbol_labels[symbol], node)
        self.reaching[symbol] = (node_id,)
        return node_id

    def collect_parameters(self, holder: int) -> None:
        for child, child_field in self.child_nodes():
            if not child.is_named or child.type in self.comment_types:
                continue
            if child_field in _NOT_PARAMETER_FIELDS:
                defaults: list = []
                self.visit(child, "", None, False, defaults)
                for child_id, _ in defaults:
                    self.add_edge(holder, child_id, "default")
            elif child.type in self.identifier_types:
                self.add_edge(holder, self.add_parameter(child), "param")
            else:
                self.collect_parameters(holder)

    def visit_nested_block(self, node, parent_type, field_name, in_target, out) -> None:
        """A block adds no node of its own: its statements hang from the enclosing construct under
        the block's field name (``body``, ``consequence``, ``alternative``)."""
        if node.start_byte == node.end_byte:
            raise _Truncated  # an empty body at the end of the input (tree-sitter accepts it)
        label = field_name or "stmt"
        out.extend((statement, label) for statement in self.visit_block(node))

    def visit_block(self, node: tree_sitter.Node) -> list[int]:
        """Visit a statement sequence; links consecutive statements (``seq``) and the controlling
        node to each (``cd``); returns the statements' nodes."""
        previous = -1
        statements: list = []
        emitted: list = []
        for child, _ in self.child_nodes():
            if not child.is_named or self.is_noop_string(child):
                continue
            if child.type in self.block_types:  # e.g. Go's statement_list inside a block
                statements.extend(self.visit_block(child))
                continue
            emitted.clear()
            self.visit(child, node.type, None, False, emitted)
            for child_id, _ in emitted:
                statements.append(child_id)
                self.graph.statements.append(child_id)
                if self.controller >= 0:
                    self.add_edge(self.controller, child_id, CONTROL)
                if previous >= 0:
                    self.add_edge(previous, child_id, SEQ)
                previous = child_id
        return statements

    def is_noop_string(self, node: tree_sitter.Node) -> bool:
        """Comments, docstrings and other statements that are a bare string literal."""
        kind = node.type
        if kind in self.comment_types or kind in self.string_types:
            return True
        if kind in self.transparent and node.named_child_count == 1:
            return self.is_noop_string(node.named_children[0])
        return False

    def visit_branch(self, node, parent_type, field_name, in_target, out) -> None:
        branch_id = self.add_node(node.type, node)
        out.append((branch_id, field_name))
        outer_controller = self.controller
        if node.child_by_field_name("condition") is None and all(
            node.field_name_for_child(index) is None for index in range(node.child_count)
        ):
            # An arm that holds its statements directly (Ruby's ``else``): a block under the branch.
            self.controller = branch_id
            for statement in self.visit_block(node):
                self.add_edge(branch_id, statement, "stmt")
            self.controller = outer_controller
            return
        before: dict[int, tuple[int, ...]] | None = None
        arms: list[dict[int, tuple[int, ...]]] = []
        position = 0
        emitted: list = []
        for child, child_field in self.child_nodes():
            if not child.is_named:
                continue
            emitted.clear()
            if child_field == "condition":
                self.visit(child, node.type, child_field, False, emitted)
                for child_id, _ in emitted:
                    self.add_edge(branch_id, child_id, "condition")
                    self.controller = child_id
                before = dict(self.reaching)
                continue
            if before is None:
                before = dict(self.reaching)
                self.controller = branch_id
            self.reaching = dict(before)
            self.visit(child, node.type, child_field, False, emitted)
            for child_id, label in emitted:
                if label is None:
                    label = f"arg{position}"
                    position += 1
                self.add_edge(branch_id, child_id, label)
                if child.type not in self.block_types:
                    self.add_edge(self.controller, child_id, CONTROL)
            arms.append(self.reaching)
        if before is not None:
            self.merge_states([before, *arms])
        self.controller = outer_controller

    def visit_loop(self, node, parent_type, field_name, in_target, out) -> None:
        loop_id = self.add_node(node.type, node)
        out.append((loop_id, field_name))
        before = dict(self.reaching)
        outer_controller = self.controller
        self.loop_uses.append([])
        self.controller = loop_id
        target_fields = self.target_fields.get(node.type, ())
        position = 0
        emitted: list = []
        for child, child_field in self.child_nodes():
            if not child.is_named:
                continue
            emitted.clear()
            self.visit(child, node.type, child_field, child_field in target_fields, emitted)
            for child_id, label in emitted:
                if label is None:
                    label = f"arg{position}"
                    position += 1
                self.add_edge(loop_id, child_id, label)
                if child_field == "condition":
                    self.controller = child_id
                elif child.type not in self.block_types:
                    self.add_edge(self.controller, child_id, CONTROL)
        uses = self.loop_uses.pop()
        if self.loop_uses:
            self.loop_uses[-1].extend(uses)
        # Loop-carried dependences: definitions made in the loop that reach its end reach its uses too.
        for symbol, use_node in uses:
            for definition in self.reaching.get(symbol, ()):
                if definition > loop_id:
                    self.add_data_edge(definition, use_node)
        self.merge_states([before, self.reaching])
        self.controller = outer_controller

    def visit_assignment(self, node, parent_type, field_name, in_target, out) -> None:
        """``a = e`` and declarations: reads in ``e`` see the old definitions, the targets are defined
        afterwards. ``a op= e`` is built as ``a = a op e``."""
        outer_pending, self.pending = self.pending, []
        target_fields = self.target_fields.get(node.type, ())
        increment = node.child_count == 2 and (node.child(0).type in _INCREMENTS or node.child(1).type in _INCREMENTS)
        targets: list = []
        values: list = []
        operator = None
        for child, child_field in self.child_nodes():
            if not child.is_named:
                if child_field == "operator" or child.type in _INCREMENTS:
                    operator = child.type
                continue
            if increment or child_field in target_fields:
                self.visit(child, node.type, child_field, True, targets)
            else:
                self.visit(child, node.type, child_field, False, values)
        assign_id = self.add_node("ASSIGN", node)
        if operator not in _PLAIN_ASSIGN and targets:
            target_id = targets[0][0]
            reread = self.add_node(self.graph.labels[target_id], node)
            symbol = self.node_symbol.get(target_id)
            if symbol is not None:
                self.use(symbol, reread)
            if increment:  # ``a++`` is ``a = a + 1``
                operator, values = operator[0] + "=", [(self.add_node("NUM:1", node), "right")]
            values = [(self.binary(operator[:-1], reread, [value for value, _ in values], node), "right")]
        for target_id, _ in targets:
            self.add_edge(assign_id, target_id, "left")
        position = 0
        for value_id, label in values:
            if targets:
                label = "right"
            elif label is None:
                label = f"arg{position}"
                position += 1
            self.add_edge(assign_id, value_id, label)
        for symbol, definition in self.pending:
            self.reaching[symbol] = (definition,)
        self.pending = outer_pending
        out.append((assign_id, field_name))

    def binary(self, operator: str, left: int, right: list[int], node: tree_sitter.Node) -> int:
        binary_id = self.add_node("BIN:" + operator, node)
        commutative = operator in COMMUTATIVE
        self.add_edge(binary_id, left, "operand" if commutative else "left")
        for value in right:
            self.add_edge(binary_id, value, "operand" if commutative else "right")
        return binary_id

    def visit_expression(self, node, parent_type, field_name, in_target, out) -> None:
        kind = node.type
        if node.named_child_count == 0:
            text = self.text(node)
            out.append((self.add_node(f"{kind}:{text}" if len(text) <= LONG_STRING else kind, node), field_name))
            return
        if kind in _ARGUMENT_LISTS and node.named_child_count == 1:
            self.visit_transparent(node, parent_type, field_name, in_target, out)
            return
        if in_target and (kind in self.plain_types or _is_subscript(kind)):
            in_target = False  # ``a.b = v`` / ``a[i] = v`` read ``a``, they do not rebind it
        node_id = self.add_node(_SAME_AS.get(kind, kind), node)
        out.append((node_id, field_name))
        children, operator = self.visit_children(node, in_target)
        labels = self.graph.labels
        if operator in _INCREMENTS and len(children) == 1:
            # ``x++`` is ``x = x + 1``: the operand just visited is the read; add the definition.
            reread = children[0][0]
            target_id = self.add_node(labels[reread], node)
            symbol = self.node_symbol.get(reread)
            if symbol is not None:
                self.define(symbol, target_id)
            labels[node_id] = "ASSIGN"
            self.add_edge(node_id, target_id, "left")
            self.add_edge(node_id, self.binary(operator[0], reread, [self.add_node("NUM:1", node)], node), "right")
            return
        if operator is not None and kind not in self.plain_types:
            if len(children) == 2:
                if operator in _FLIPPED:
                    operator = _FLIPPED[operator]
                    children.reverse()
                if operator in COMMUTATIVE:
                    children = [(child, "operand") for child, _ in children]
                else:
                    children = [(children[0][0], "left"), (children[1][0], "right")]
                labels[node_id] = "BIN:" + operator
            elif len(children) == 1:
                labels[node_id] = "UN:" + operator
            else:
                labels[node_id] = f"{kind}:{operator}"
        for child_id, label in children:
            self.add_edge(node_id, child_id, label)


_visit_expression = _Builder.visit_expression  # the handler of every node type without a role


@dataclass(frozen=True)
class _Tables:
    """What the builder derives from a language's roles, computed once per language."""

    roles: SyntaxRoles
    dispatch: dict[str, Callable]  # node type -> _Builder method handling it
    plain_types: frozenset[str]  # calls and attribute accesses: never rebound by an assignment to them
    target_fields: dict[str, frozenset[str]]
    member_fields: dict[str, frozenset[str]]


@cache
def _tables(language: Language) -> _Tables:
    roles = language.roles
    dispatch: dict[str, Callable] = {}
    for types, handler in (
        (roles.assignment, _Builder.visit_assignment),
        (roles.loop, _Builder.visit_loop),
        (roles.branch, _Builder.visit_branch),
        (roles.statement_block, _Builder.visit_nested_block),
        (roles.function, _Builder.visit_function),
        (roles.number, _Builder.visit_number),
        (roles.string, _Builder.visit_string),
        (roles.identifier, _Builder.visit_identifier),
        (roles.transparent, _Builder.visit_transparent),
        (roles.comment, _Builder.skip),
    ):
        dispatch.update(dict.fromkeys(types, handler))
    return _Tables(
        roles=roles,
        dispatch=dispatch,
        plain_types=roles.call | roles.attribute,
        target_fields=_fields_by_type(roles.definition_target),
        member_fields=_fields_by_type(roles.member_name),
    )


def _fields_by_type(positions: frozenset[str]) -> dict[str, frozenset[str]]:
    """{"assignment.left", ...} -> {"assignment": {"left"}, ...}"""
    by_type: dict[str, set[str]] = {}
    for position in positions:
        node_type, _, field_name = position.partition(".")
        by_type.setdefault(node_type, set()).add(field_name)
    return {node_type: frozenset(fields) for node_type, fields in by_type.items()}


def _is_subscript(kind: str) -> bool:
    return any(word in kind for word in _SUBSCRIPT_WORDS)


def build_graph(language: Language, code: str, record_rows: bool = False) -> Graph | None:
    """The structure graph of ``code``, or None when it is empty or does not parse cleanly. Code that
    only parses inside one of the language's snippet wrappers (a JavaScript class method, a Java
    constructor) is parsed in it, like :meth:`Language.is_valid` does."""
    if not code.strip():
        return None
    tree, source = language.parse_snippet(code)
    if tree.root_node.has_error:
        return None
    try:
        graph = _Builder(language, source, tree, record_rows).build()
    except (_Truncated, RecursionError):  # nesting deeper than Python's recursion limit: not scored
        return None
    return graph if len(graph) > 1 and graph.edges else None


@lru_cache(maxsize=1 << 16)
def stable_id(label: str) -> int:
    """A process-independent 63-bit id for a label (Python's ``hash`` of ``str`` is salted)."""
    return int.from_bytes(hashlib.blake2b(label.encode("utf-8"), digest_size=8).digest(), "little") >> 1
