"""What batcoder needs to know about a programming language, on top of its tree-sitter grammar.

A language module (``batcoder/languages/<name>.py``) defines one subclass of :class:`Language` and
exposes an instance as ``LANGUAGE``; the registry in ``__init__`` discovers it. Everything that is
language-specific — finding functions, stripping comments and docstrings, the node types the
similarity metrics reason about, stop sequences, how a program is run — lives in that one module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import tree_sitter


@dataclass(frozen=True)
class Function:
    """One function or method definition found in a source file."""

    name: str
    code: str  # the definition's full source text, decorators/annotations included, comments untouched
    start_line: int  # 1-based, inclusive (first decorator line when there are decorators)
    end_line: int  # 1-based, inclusive
    signature: str  # the header up to (not including) the body, e.g. "def f(a, b=1) -> int:"
    body: str  # the body's source text
    docstring: str | None = None  # the documentation attached to the definition, cleaned, if any
    kind: str = "function"  # "function", "method", "constructor", "arrow", "singleton_method", ...
    container: str | None = None  # enclosing class/module/receiver type name, if any
    nested: bool = False  # defined inside another function


@dataclass(frozen=True)
class DocSlot:
    """Where a function's documentation is written in its file, as UTF-8 byte offsets.

    ``before`` + the documentation's lines (every line after the first prefixed with ``indent``,
    empty lines left empty) + ``after``, written over ``[start, end)``, documents the function. The
    range holds the current documentation when ``replaces``, else it is empty (an insertion point).
    """

    start: int
    end: int
    indent: str  # indentation of the documentation's lines
    before: str  # written before the first line (its indentation, or a line break and indentation)
    after: str  # written after the last line
    replaces: bool  # the range is the function's current documentation

    def text(self, lines: list[str]) -> str:
        body = "\n".join([lines[0], *((self.indent + line) if line else "" for line in lines[1:])])
        return self.before + body + self.after


@dataclass(frozen=True)
class SyntaxRoles:
    """Grammar node types grouped by the role they play; consumed by language-independent code
    (comment stripping, CSSG graph construction, data-flow analysis)."""

    function: frozenset[str]  # function/method/constructor/lambda definitions
    comment: frozenset[str]  # comment nodes
    string: frozenset[str]  # string literal nodes (whole literal)
    number: frozenset[str]  # numeric literal nodes
    identifier: frozenset[str]  # plain variable/parameter/function-name identifiers
    call: frozenset[str]  # call expressions
    attribute: frozenset[str]  # member/attribute/selector access (obj.name)
    assignment: frozenset[str]  # assignments and declarations with initialisers (incl. augmented)
    parameter: frozenset[str]  # parameter nodes whose identifier(s) are the function's parameters
    branch: frozenset[str]  # if/elif/else/switch/case/ternary/when/rescue-like control
    loop: frozenset[str]  # for/while/until/do/each-like loops
    statement_block: frozenset[str]  # statement sequences (block/body nodes)
    jump: frozenset[str] = frozenset()  # return/break/continue/raise/throw/yield/goto
    # "node_type.field" positions whose bare identifiers are (re)defined: assignment targets, loop
    # variables, declarators (parameters are found through the "parameters"/"parameter" fields)
    definition_target: frozenset[str] = frozenset()
    # "node_type.field" positions holding attribute/method/keyword names, never local variables
    member_name: frozenset[str] = frozenset()
    # wrapper nodes the similarity graph looks through (parentheses, expression statements)
    transparent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Runtime:
    """How to run a complete program in this language (used by the sandbox)."""

    command: tuple[str, ...]  # argv; "{file}" is replaced by the main source file's name
    main_file: str  # file name the program is written to inside the work directory
    executables: tuple[str, ...]  # programs that must be on PATH for this runtime to work


class Language:
    """Base class: subclasses set the class attributes and implement the abstract methods."""

    name: str
    extensions: tuple[str, ...]
    grammar: Callable[[], object]  # e.g. tree_sitter_python.language
    roles: SyntaxRoles
    stop_sequences: tuple[str, ...]  # where generation of one function should stop
    runtime: Runtime
    line_comment: str  # prefix of a line comment, for generated prompts
    # (prefix, suffix) pairs that turn a definition which is only valid inside a class or object (a
    # JavaScript method, a Java constructor) into a valid program; tried in order by parse_snippet
    snippet_wrappers: tuple[tuple[str, str], ...] = ()

    _local = threading.local()

    @property
    def ts_language(self) -> tree_sitter.Language:
        cache = self._cache()
        if "language" not in cache:
            cache["language"] = tree_sitter.Language(self.grammar())
        return cache["language"]

    @property
    def parser(self) -> tree_sitter.Parser:
        """A parser for this language, created once per thread (parsers are not thread-safe)."""
        cache = self._cache()
        if "parser" not in cache:
            cache["parser"] = tree_sitter.Parser(self.ts_language)
        return cache["parser"]

    def _cache(self) -> dict:
        per_thread = self._local.__dict__.setdefault("by_language", {})
        return per_thread.setdefault(self.name, {})

    def parse(self, code: str) -> tree_sitter.Tree:
        return self.parser.parse(code.encode("utf-8"))

    def parse_snippet(self, code: str) -> tuple[tree_sitter.Tree, bytes]:
        """Parse ``code`` as a program or, when only that fails, inside the first of
        :attr:`snippet_wrappers` that makes it parse. Returns the tree and the exact bytes it was
        parsed from (node offsets index into them; the wrapper shows up as extra nodes)."""
        source = code.encode("utf-8")
        tree = self.parser.parse(source)
        if not tree.root_node.has_error:
            return tree, source
        for prefix, suffix in self.snippet_wrappers:
            wrapped = (prefix + code + suffix).encode("utf-8")
            wrapped_tree = self.parser.parse(wrapped)
            if not wrapped_tree.root_node.has_error:
                return wrapped_tree, wrapped
        return tree, source

    def is_valid(self, code: str) -> bool:
        """True when the code parses without syntax errors, as a program or as one of the class/object
        members :meth:`functions` returns (see :attr:`snippet_wrappers`)."""
        return not self.parse_snippet(code)[0].root_node.has_error

    def functions(self, source: str) -> list[Function]:
        """All function/method definitions in ``source`` (nested ones included, marked ``nested``)."""
        raise NotImplementedError

    def strip_comments(self, code: str) -> str:
        """``code`` without comments and docstrings, still valid in the language, blank lines removed."""
        raise NotImplementedError

    def documentation_slot(self, source: str, function: Function) -> DocSlot | None:
        """Where the documentation of ``function`` (one of ``functions(source)``) is written: over the
        documentation :meth:`functions` reports for it, or where a new one would be reported; None
        when no such place exists (the definition shares its line with other code)."""
        raise NotImplementedError(f"{self.name}: writing documentation is not supported")

    def complete_open_function(self, prompt: str, solution: str) -> str:
        """What to append to ``prompt`` (source ending inside an unfinished function, as benchmark
        prompts do) so that the program runs ``solution``, a whole program a chat model wrote for it.
        When the solution starts by repeating the prompt, the rest of it; otherwise
        :meth:`_after_unfinished_function`."""
        head = prompt.rstrip()
        if head and solution.startswith(head):
            return solution[len(head) :]
        return self._after_unfinished_function(prompt, solution)

    def _after_unfinished_function(self, prompt: str, solution: str) -> str:
        raise NotImplementedError(f"{self.name}: chat-style benchmark completions are not supported")

    def program_files(self, program: str) -> dict[str, str]:
        """Files (name -> content) that make ``program`` runnable with :attr:`runtime`."""
        return {self.runtime.main_file: program}

    def run_argv(self) -> list[str]:
        return [part.replace("{file}", self.runtime.main_file) for part in self.runtime.command]


def walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Pre-order traversal of a tree-sitter subtree without recursion."""
    cursor = node.walk()
    visited_children = False
    while True:
        if not visited_children:
            yield cursor.node
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
        elif cursor.goto_parent() and cursor.node != node:
            visited_children = True
        else:
            return


def node_text(node: tree_sitter.Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


__all__ = ["DocSlot", "Function", "Language", "Runtime", "SyntaxRoles", "node_text", "walk"]
