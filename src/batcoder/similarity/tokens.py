"""Code as a token sequence: the leaves of the tree-sitter tree, comments left out."""

from __future__ import annotations

from functools import lru_cache

from batcoder.languages import get_language


@lru_cache(maxsize=4096)
def code_tokens(language: str, code: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The leaf tokens of ``code`` and, for each, whether it is a language keyword (an anonymous
    alphabetic leaf such as ``def``, ``return``, ``func``). Empty when the code does not parse."""
    lang = get_language(language)
    tree, source = lang.parse_snippet(code)
    if not code.strip() or tree.root_node.has_error:
        return (), ()
    comments = lang.roles.comment
    tokens: list[str] = []
    keywords: list[bool] = []
    cursor = tree.walk()
    while True:
        node = cursor.node
        if node.type in comments:
            descended = False
        elif node.child_count == 0 or node.type in lang.roles.string:
            text = source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")
            if text.strip():
                tokens.append(text)
                keywords.append(not node.is_named and text.isalpha())
            descended = False
        else:
            descended = cursor.goto_first_child()
        if descended:
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return tuple(tokens), tuple(keywords)
