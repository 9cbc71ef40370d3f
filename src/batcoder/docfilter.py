"""The documentation format filter: R_doc in {0, 0.5, 1} for a generated documentation.

``check(doc, code, language)`` runs three passes:

1. **Rewrites** that make a documentation usable: a chatty preamble/epilogue, one wrapper (the whole
   text in a ``` fence, in docstring quotes, or written as comment lines), markdown layout (a title
   heading, horizontal rules), non-canonical section headers (``**Parameters:**``, ``### Behavior``,
   ``Args:``) and a wrong section order are fixed. Any rewrite caps the score at 0.5: the content is
   kept, the format was not followed (names in backticks and emphasis inside the text are no rewrite).
2. **Rejections** (score 0): empty, too long, JSON, not prose, too short, repetitive — and *leaking
   code*, the shortcut a policy finds first when its reward is reconstruction similarity: fenced or
   indented code, lines copied from the source, long runs of the source's tokens, long `inline code`,
   code-like syntax, punctuation read aloud ("item dot price"), and the code written out as prose
   ("set total to total plus the price"). The last is found by a local alignment (Smith-Waterman) of
   the documentation's tokens (spelled-out operators turned into symbols) with the source's tokens,
   once with exact tokens and once with identifiers abstracted away (renamed variables).
   *Precision is not a leak*: values — quoted literals and character sets ('2', 'B', "aeiou"), lists
   of constants, example calls with constant arguments, arithmetic on numbers ("-1 + 2 + 3 = 4"),
   example inputs ("n = 7 gives 34"), value tables ("1000 = M") — count as no code syntax, names and
   values in backticks are not inline code, a run of the source's tokens leaks only when it holds
   names, keywords or operators, and "the dot" names a character rather than reading code aloud.
3. **Structure**: the sections of :mod:`batcoder.prompts` — a missing required section is a
   rejection, a missing optional one caps the score at 0.5.

The source's tokens come from its tree-sitter leaves, comments and docstrings stripped first (so
repeating the original docstring is not a leak); the documentation is prose, so a regular-expression
lexer cuts it into the same shapes. Reasons are short strings for counting: ``ok``;
``rewritten:{preamble,epilogue,fence,docstring_quotes,comment_markers,markdown,headers,order}`` and
``incomplete:missing_{parameters,returns}`` (score 0.5, several joined by ``,``);
``invalid:{empty,too_long,template,structured,not_prose,too_short,repetitive,duplicate_section,
missing_summary,missing_behavior}`` and ``leak:{fenced_code,indented_code,copied_line,token_run,
inline_code,code_syntax,spelled_syntax,code_as_prose,renamed_code}`` (score 0).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
import tree_sitter

from batcoder.languages import SyntaxRoles, get_language, walk
from batcoder.prompts import BEHAVIOR, DOC_FORMAT, OPTIONAL_SECTIONS, PARAMETERS, REQUIRED_SECTIONS, RETURNS, SUMMARY


@dataclass(frozen=True)
class DocFilterConfig:
    """Thresholds of the documentation filter (defaults suit functions of up to ~50 lines)."""

    max_chars: int = 2000  # documentation longer than this (after rewriting) is rejected as too long
    max_lines: int = 40  # documentation with more non-empty lines than this is rejected as too long
    min_words: int = 5  # documentation with fewer prose words than this is rejected as too short
    min_summary_words: int = 2  # a summary with fewer words counts as missing
    min_letter_ratio: float = 0.6  # letters / non-space characters below this is "not prose"
    max_repeated_line_ratio: float = 0.3  # share of non-empty lines that repeat an earlier line
    copied_line_min_tokens: int = 4  # a doc line equal to a source line of at least this many tokens leaks
    embedded_line_min_tokens: int = 8  # a source line this long inside a doc line leaks (header, assignments: 4)
    max_token_run: int = 10  # longest run of consecutive source tokens a documentation may repeat
    max_inline_code_tokens: int = 12  # longest `inline code` span allowed, in tokens
    max_inline_code_share: float = 0.35  # share of the documentation's tokens allowed inside backticks
    max_spelled_symbols: int = 2  # code punctuation read aloud ("dot", "open paren", "plus equals") allowed
    max_line_syntax: float = 3.0  # code-syntax weight (operators, braces, a.b, f(...)) allowed on one line
    max_doc_syntax: float = 6.0  # code-syntax weight allowed in the whole documentation
    max_alignment: float = 16.0  # best local alignment score with the source's tokens allowed
    max_abstract_alignment: float = 9.0  # the same with identifiers abstracted (catches renamed variables)

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not value > 0:
                raise ValueError(f"DocFilterConfig.{field.name} must be positive, got {value!r}")
        for name in ("min_letter_ratio", "max_repeated_line_ratio", "max_inline_code_share"):
            if getattr(self, name) > 1:
                raise ValueError(f"DocFilterConfig.{name} is a ratio and must be at most 1")


@dataclass(frozen=True)
class DocCheck:
    """The filter's verdict on one documentation."""

    score: float  # R_doc: 1 well-formed, 0.5 usable after rewriting, 0 rejected
    doc: str  # the documentation to use downstream: rewritten when the score is 0.5, unwrapped as far as it got when 0
    reason: str  # "ok", or comma-separated "rewritten:*"/"incomplete:*" notes, or one "invalid:*"/"leak:*"

    @property
    def valid(self) -> bool:
        return self.score > 0


DEFAULT_CONFIG = DocFilterConfig()

# ---------------------------------------------------------------------------------------------
# Tokens. Both sides are cut into the same shapes: words, numbers, multi-character operators,
# single symbols. Tokens are compared lower-cased, with a few spellings of one operator merged.

_LEXER = re.compile(
    r"[A-Za-z_$][A-Za-z0-9_$]*(?:-[A-Za-z][A-Za-z0-9_]*)*"  # a hyphenated prose word stays one token
    r"|\d+(?:\.\d+)?"
    r"|===|!==|\*\*=|//=|>>=|<<=|\.\.\.|:=|==|!=|<=|>=|\+=|-=|\*=|/=|%=|&&|\|\||->|=>|::|<<|>>|\*\*|//|\+\+|--|\.\."
    r"|\S"
)
_ASSIGNMENTS = frozenset({"=", ":=", "+=", "-=", "*=", "/=", "%=", "//=", "**=", "<<=", ">>="})
_CANONICAL = {"===": "==", "!==": "!=", "&&": "and", "||": "or", "!": "not", "nil": "none", "null": "none"}
PUNCTUATION = frozenset("()[]{},;.:")

IDENTIFIER, KEYWORD, NUMBER, STRING, OPERATOR, PUNCT = "identifier", "keyword", "number", "string", "operator", "punct"
# Alignment weight of a matched token by its class in the source.
_EXACT_WEIGHTS = {IDENTIFIER: 2.0, NUMBER: 1.5, STRING: 1.0, KEYWORD: 1.0, OPERATOR: 2.0, PUNCT: 0.5}
# With identifiers abstracted, only structure (keywords, operators, literals) carries weight.
_ABSTRACT_WEIGHTS = {IDENTIFIER: 0.25, NUMBER: 1.0, STRING: 0.25, KEYWORD: 1.0, OPERATOR: 2.0, PUNCT: 0.5}
_GAP = 1.5  # cost of skipping one token on either side (a filler word, a dropped bracket)

# Operators, punctuation and number words spelled out in prose, rewritten to symbols before aligning.
_SPELLED_OUT = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\b(?:is )?greater than or equal to\b", " >= "),
        (r"\b(?:is )?less than or equal to\b", " <= "),
        (r"\b(?:is not equal to|does not equal|not equal to|is not equal)\b", " != "),
        (r"\b(?:is equal to|equals equals|double equals|equal to)\b", " == "),
        (r"\b(?:is )?greater than\b", " > "),
        (r"\b(?:is )?less than\b", " < "),
        (r"\bplus equals\b", " += "),
        (r"\bminus equals\b", " -= "),
        (r"\btimes equals\b", " *= "),
        (r"\b(?:set|assign|let) ([a-z_]\w*) (?:to|equal to|be)\b", r" \1 = "),
        (r"\b(?:increment|increase) ([a-z_]\w*) by\b", r" \1 += "),
        (r"\b(?:decrement|decrease) ([a-z_]\w*) by\b", r" \1 -= "),
        (r"\badd ([a-z_]\w*) to ([a-z_]\w*)\b", r" \2 += \1 "),
        (r"\b([a-z_]\w*) at index ([a-z_0-9]\w*)", r" \1 [ \2 ] "),
        (r"\bequals\b", " = "),
        (r"\bplus\b", " + "),
        (r"\bminus\b", " - "),
        (r"\b(?:times|multiplied by)\b", " * "),
        (r"\bdivided by\b", " / "),
        (r"\b(?:modulo|mod)\b", " % "),
        (r"\bto the power of\b", " ** "),
        (r"\bdot\b", " . "),
        (r"\bopen (?:paren|parenthesis)\b", " ( "),
        (r"\bclose (?:paren|parenthesis)\b", " ) "),
        (r"\bopen (?:square )?bracket\b", " [ "),
        (r"\bclose (?:square )?bracket\b", " ] "),
        (r"\bopen (?:curly )?brace\b", " { "),
        (r"\bclose (?:curly )?brace\b", " } "),
        (r"\bcomma\b", " , "),
        (r"\bsemicolon\b", " ; "),
        (r"\blogical and\b", " and "),
        (r"\blogical or\b", " or "),
        (r"\bzero\b", " 0 "),
        (r"\bone\b", " 1 "),
        (r"\btwo\b", " 2 "),
        (r"\bthree\b", " 3 "),
    )
]


# Punctuation read aloud: honest prose says "the price of each item", a leak says "item dot price".
_READ_ALOUD = re.compile(
    r"\b(?:dot(?! product)(?!-)"
    r"|(?:open|close|opening|closing) (?:paren|parenthesis|bracket|square bracket|brace|curly brace)"
    r"|(?:plus|minus|times) equals|equals equals|double equals|not equals)\b",
    re.I,
)


# "the dot", "an opening bracket": after one of these words the phrase names a character, it does not read code.
_DETERMINERS = frozenset(
    "a an the one each every any no its this that single first last second next previous matching "
    "corresponding unmatched another same".split()
)


def _read_aloud_count(prose: str) -> int:
    """How many code punctuation marks ``prose`` reads aloud ("item dot price", "open paren")."""
    count = 0
    for match in _READ_ALOUD.finditer(prose):
        before = re.search(r"(\w+)\W*$", prose[: match.start()])
        count += not (before and before.group(1).lower() in _DETERMINERS)
    return count


def _canonical(token: str) -> str:
    lowered = token.lower()
    return _CANONICAL.get(lowered, lowered)


def _lex(text: str) -> list[str]:
    return [_canonical(token) for token in _LEXER.findall(text)]


@dataclass(frozen=True, eq=False)
class _Source:
    """What the filter needs to know about the source function, computed once per function."""

    tokens: tuple[str, ...]  # canonical tokens of the comment-free code
    abstract_tokens: tuple[str, ...]  # the same with identifiers and string words replaced by "<id>"
    exact_weights: np.ndarray  # alignment weight of each token
    abstract_weights: np.ndarray  # alignment weight of each abstract token
    keywords: frozenset[str]  # the language keywords the code uses
    names: frozenset[str]  # the keywords and identifiers of the code (lower-cased)
    whole_lines: frozenset[str]  # whitespace-free lines of at least copied_line_min_tokens tokens
    long_lines: tuple[str, ...]  # whitespace-free lower-cased lines of at least embedded_line_min_tokens
    runs: frozenset[tuple[str, ...]]  # the max_token_run-grams of the tokens that spell code (see _CODE_RUN_MIN)
    string_value_key: re.Pattern | None  # "M = " where M is a word found only in the code's strings: a value table
    self_call: re.Pattern | None  # "f(k - 1)" where f is a function the code defines: math notation for it


# A run of source tokens leaks only if this many of them are names, keywords or operators: a run of
# literals and punctuation (the list ['txt', 'exe', 'dll'] quoted in prose) is a value, not an implementation.
_CODE_RUN_MIN = 3


def _leaf_class(node: tree_sitter.Node, roles: SyntaxRoles, in_string: bool) -> str:
    if in_string:
        return STRING
    if node.type in roles.number:
        return NUMBER
    if not node.is_named:
        text = node.text.decode("utf-8", errors="replace")
        if text[:1].isalpha() or text[:1] == "_":
            return KEYWORD
        return PUNCT if text in PUNCTUATION else OPERATOR
    return IDENTIFIER


def _strip_line(line: str) -> str:
    return re.sub(r"\s+", "", line).rstrip(":;{,")


@lru_cache(maxsize=64)
def _analyse_source(code: str, language_name: str, config: DocFilterConfig) -> _Source:
    language = get_language(language_name)
    stripped = language.strip_comments(code)
    source = stripped.encode("utf-8")
    roles = language.roles
    tokens: list[str] = []
    classes: list[str] = []
    string_ends: list[int] = []  # end bytes of the string literals we are inside
    for node in walk(language.parse(stripped).root_node):
        while string_ends and node.start_byte >= string_ends[-1]:
            string_ends.pop()
        if node.type in roles.string:
            string_ends.append(node.end_byte)
        if node.child_count or node.type in roles.comment:
            continue
        leaf_class = _leaf_class(node, roles, bool(string_ends))
        for token in _lex(source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")):
            tokens.append(token)
            if leaf_class == KEYWORD and not token[:1].isalpha():
                leaf_class = OPERATOR  # e.g. Ruby's "&&" surfaces as a keyword-like anonymous node
            if leaf_class in (OPERATOR, PUNCT) or (leaf_class == STRING and not token[:1].isalnum()):
                classes.append(KEYWORD if token[:1].isalpha() else OPERATOR if token in _OPERATORS else PUNCT)
            else:
                classes.append(leaf_class)
    whole_lines, long_lines = set(), []
    for number, line in enumerate(stripped.strip().splitlines()):
        line_tokens = _lex(line)
        if len(line_tokens) >= config.copied_line_min_tokens:
            whole_lines.add(_strip_line(line))
            # The header and assignments are never honest prose, even inside a sentence.
            if number == 0 or _ASSIGNMENTS.intersection(line_tokens):
                long_lines.append(_strip_line(line).lower())
        if len(line_tokens) >= config.embedded_line_min_tokens:
            long_lines.append(_strip_line(line).lower())
    n = config.max_token_run
    spells_code = [kind in (IDENTIFIER, KEYWORD, OPERATOR) for kind in classes]
    code_words = {token for token, kind in zip(tokens, classes) if kind != STRING}
    return _Source(
        tokens=tuple(tokens),
        abstract_tokens=tuple("<id>" if kind in (IDENTIFIER, STRING) else tok for tok, kind in zip(tokens, classes)),
        exact_weights=np.array([_EXACT_WEIGHTS[kind] for kind in classes]),
        abstract_weights=np.array([_ABSTRACT_WEIGHTS[kind] for kind in classes]),
        keywords=frozenset(token for token, kind in zip(tokens, classes) if kind == KEYWORD),
        names=frozenset(token for token, kind in zip(tokens, classes) if kind in (KEYWORD, IDENTIFIER)),
        whole_lines=frozenset(whole_lines),
        long_lines=tuple(long_lines),
        runs=frozenset(
            tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1) if sum(spells_code[i : i + n]) >= _CODE_RUN_MIN
        ),
        self_call=_self_call_pattern({function.name for function in language.functions(code)}),
        string_value_key=_value_key_pattern(
            {token for token, kind in zip(tokens, classes) if kind == STRING and token[:1].isalpha()} - code_words
        ),
    )


def _self_call_pattern(names: set[str]) -> re.Pattern | None:
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})\(([^()]*)\)")


def _value_key_pattern(words: set[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?i)\b(?:{alternatives})\s*(?:=|->|=>|→)\s*(?={_VALUE})")


# ---------------------------------------------------------------------------------------------
# Rewrites.

_PREAMBLE = re.compile(
    r"^\W*(?:(?:sure|certainly|of course|absolutely|okay|ok|alright|great|no problem)\s*[!,.:].*"
    r"|(?:here is|here's|here are|below is|the following is)\b.*"
    r"|(?:the )?(?:documentation|docs)(?: for\b[^:]*)?:?)\W*$",
    re.I,
)
_EPILOGUE = re.compile(r"^\W*(?:let me know|i hope|hope this|feel free|this documentation|this should)\b.*$", re.I)
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_WHOLE_FENCE = re.compile(r"^(```|~~~)[^\n]*(?:\n|$)(.*?)(?:\n?\1\s*)?$", re.S)
_QUOTES = re.compile(r'^[rbuRBU]?("""|\'\'\')\s*(.*?)\s*(?:\1)?\s*$', re.S)
_RUBY_BLOCK = re.compile(r"^=begin[^\n]*\n(.*?)(?:\n=end\s*)?$", re.S)
_BLOCK_COMMENT = re.compile(r"^/\*+\s*(.*?)\s*\*+/\s*$", re.S)
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_TITLE = re.compile(r"^\s*#{1,6}\s+\S")
_LINE_COMMENT = re.compile(r"^\s*(?:///?|#(?![#!])|--)\s?")

_HEADER = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*"
    r"(?P<name>summary|description|parameters|params|arguments|args|inputs|return value|returns|return|output"
    r"|behaviou?r|steps|algorithm)"
    r"\s*(?:\*\*|__)?\s*(?P<colon>:)?\s*(?:\*\*|__)?\s*(?P<rest>.*?)\s*$",
    re.I,
)
_SECTION_OF = {
    "summary": SUMMARY, "description": SUMMARY,
    "parameters": PARAMETERS, "params": PARAMETERS, "arguments": PARAMETERS, "args": PARAMETERS, "inputs": PARAMETERS,
    "return value": RETURNS, "returns": RETURNS, "return": RETURNS, "output": RETURNS,
    "behavior": BEHAVIOR, "behaviour": BEHAVIOR, "steps": BEHAVIOR, "algorithm": BEHAVIOR,
}  # fmt: skip
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•>]|\d+[.)])\s+")
# The prompt's placeholders ("<one-line summary>", "<step>"): a policy that echoes the template wrote nothing.
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in sorted(set(re.findall(r"<[^<>\n]+>", DOC_FORMAT)))))
_NONE_CONTENT = re.compile(r"^\W*(?:none|nothing|n/a|no parameters|no arguments)\W*$", re.I)


def _unwrap(text: str) -> tuple[str, list[str]]:
    """Strip a preamble/epilogue and one wrapper; returns the text and the rewrites applied."""
    notes: list[str] = []

    def drop_chatter(current: str) -> str:
        lines = current.strip().splitlines()
        while lines and (_PREAMBLE.match(lines[0]) or not lines[0].strip()):
            if lines[0].strip() and "preamble" not in notes:
                notes.append("preamble")
            lines.pop(0)
        while lines and (_EPILOGUE.match(lines[-1]) or not lines[-1].strip()):
            if lines[-1].strip() and "epilogue" not in notes:
                notes.append("epilogue")
            lines.pop()
        return "\n".join(lines)

    text = drop_chatter(text)
    if (match := _WHOLE_FENCE.match(text)) and not _FENCE_LINE.search(match.group(2)):
        text, kind = match.group(2), "fence"
    elif match := _QUOTES.match(text):
        text, kind = match.group(2), "docstring_quotes"
    elif match := _RUBY_BLOCK.match(text):
        text, kind = match.group(1), "comment_markers"
    elif match := _BLOCK_COMMENT.match(text):
        text, kind = re.sub(r"(?m)^\s*\*+ ?", "", match.group(1)), "comment_markers"
    elif (lines := [line for line in text.splitlines() if line.strip()]) and all(_LINE_COMMENT.match(l) for l in lines):
        text, kind = "\n".join(_LINE_COMMENT.sub("", line, count=1) for line in text.splitlines()), "comment_markers"
    else:
        kind = None
    if kind:
        notes.append(kind)
        text = drop_chatter(text)
    # Markdown layout that carries no content: horizontal rules, a heading that only names the function.
    lines = [line for line in text.splitlines() if not _RULE.match(line)]
    filled = [index for index, line in enumerate(lines) if line.strip()]
    # The heading is a title only when a summary follows it; otherwise it is the summary.
    if filled and _TITLE.match(lines[filled[0]]) and not _HEADER.match(lines[filled[0]]):
        if len(filled) > 1 and not _HEADER.match(lines[filled[1]]):
            del lines[filled[0]]
        else:
            lines[filled[0]] = lines[filled[0]].lstrip().lstrip("#").strip()
    if lines != text.splitlines():
        notes.append("markdown")
        text = drop_chatter("\n".join(lines))
    return text.strip(), notes


@dataclass
class _Sections:
    content: dict[str, list[str]]  # section → its lines (header-line text first, when there is some)
    renamed: bool  # some header was not written exactly as "Name:" (an alias, markdown, a "Summary:" label)
    reordered: bool  # the sections are not in the defined order
    duplicated: bool  # a section header appears twice


def _split_sections(text: str) -> _Sections:
    content: dict[str, list[str]] = {SUMMARY: []}
    renamed = duplicated = False
    current = SUMMARY
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match and (match.group("colon") or not match.group("rest")):
            section = _SECTION_OF[match.group("name").lower()]
            rest = match.group("rest")
            if section == SUMMARY and current == SUMMARY and not any(part.strip() for part in content[SUMMARY]):
                renamed = True  # a "Summary:" label on the first line
                content[SUMMARY].append(rest)
                continue
            if section in content:
                duplicated = True
                continue
            renamed |= not (line == f"{section}:" or line.startswith(f"{section}: "))
            content[section] = [rest] if rest else []
            current = section
            continue
        content[current].append(line)
    order = [section for section in (SUMMARY, PARAMETERS, RETURNS, BEHAVIOR) if section in content]
    return _Sections(content, renamed, list(content) != order, duplicated)


def _render(sections: _Sections) -> str:
    lines: list[str] = []
    for section in (SUMMARY, PARAMETERS, RETURNS, BEHAVIOR):
        body = [line.strip() for line in sections.content.get(section, []) if line.strip()]
        if not body:
            continue
        if section == SUMMARY:
            lines.extend(body)
        elif len(body) == 1 and not _LIST_MARKER.match(body[0]):
            lines.append(f"{section}: {body[0]}")
        else:
            lines.append(f"{section}:")
            lines.extend(body)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Leak detection.

_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_ATTRIBUTE = re.compile(r"\b(?!(?:e\.g|i\.e|etc|vs)\b)[A-Za-z_]\w*\.[A-Za-z_]\w*\b")
_CALL = re.compile(r"\b[A-Za-z_]\w*\(")
_MARKUP_TAG = re.compile(r"</?(?:code|tt|b|i|em|strong|var|kbd|samp)>", re.I)  # inline markup of doc comments
_URL = re.compile(r"\b(?:https?|ftp)://\S+")
_SYNTAX_WEIGHTS = {
    **dict.fromkeys(["+=", "-=", "*=", "/=", "%=", ":=", "//=", "**=", "<<=", ">>=", "++"], 1.5),  # prose never updates
    **dict.fromkeys(["=", "==", "!=", "<=", ">=", "&&", "||", "->", "=>", "<<", ">>", "**", "{", "}"], 1.0),
    **dict.fromkeys(["<", ">", "+", "*", "/", "%", "[", "]", ";", "::"], 0.5),
    **dict.fromkeys(["(", ")", "-"], 0.25),  # common in prose too
}  # fmt: skip
_OPERATORS = (set(_SYNTAX_WEIGHTS) | {"and", "or", "not", "!", "~", "^", "&", "|", "?", "..", "...", "@"}) - PUNCTUATION


def _prose_line(line: str) -> str:
    """A documentation line as prose: no list marker, no header label, no backticks/emphasis."""
    line = _LIST_MARKER.sub("", line)
    if (match := _HEADER.match(line)) and match.group("colon"):
        line = match.group("rest")
    line = re.sub(r"(?<![\w+])\+(\w+)\+(?![\w+])", r"\1", line)  # RDoc's +name+
    line = _MARKUP_TAG.sub(" ", line)
    return re.sub(r"`+|(?<!\w)\*{1,2}(?=\S)|(?<=\S)\*{1,2}(?!\w)", " ", line).strip()


# Values are documentation, not code: a quoted literal, a list of constants, an example call with constant
# arguments, arithmetic on numbers ("-1 + 2 + 3 = 4", "4! * 3! = 144") and a value table ("1000 = M") are
# rewritten to the number 0 before the line's code syntax is weighed, so precision costs nothing while a
# statement or an expression over the code's names still does.
_VALUE = r"(?:(?<![\w.])\d+(?:\.\d+)?(?![\w.]\w)|\.\.\.|…|\[\]|(?<!\w)(?:[Tt]rue|[Ff]alse|None|nil|null)\b)"
_QUOTED = re.compile(r"""(?<![\w'"])(['"])([^'"\n]{0,40}?)\1(?![\w'"])""")
# A group written with math symbols no programming language uses ("(i·(i+1)/2)", "(n − 1)!") is math.
_MATH_GROUP = re.compile(r"\((?:[^()\n]|\([^()\n]*\))*[·×÷−≤≥≠√⌊⌋](?:[^()\n]|\([^()\n]*\))*\)")
_EXAMPLE_RESULT = r"(?:gives|give|returns|return|yields|produces|results|is|->|=>|→|:|\))"
_VALUE_REDUCTIONS = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\[\d*\](?=[A-Za-z*])", " "),  # a Go slice or array type: []int, [2]int
        (rf"(?<![\w)\]])[-−]\s*(?={_VALUE})", " "),  # unary minus: -123
        (r"(?<![\w\])])\[\]", " 0 "),  # an empty list ({} is also an empty block of code)
        (rf"(?<![\w\])])[\[({{]\s*{_VALUE}(?:\s*[,;]\s*{_VALUE})*\s*,?\s*[\])}}]", " 0 "),  # [4.0, 3, 1.7], (2, 5)
        (rf"(?<![\w.])[A-Za-z_]\w*\((?:\s*{_VALUE}(?:\s*,\s*{_VALUE})*)?\s*\)", " 0 "),  # fibfib(5), f([1, -2])
        (rf"{_VALUE}\s*!(?!=)", " 0 "),  # factorial: 4!
        # 24 * 6 = 144, 0-9 (but not the "2 + 1" of "i / 2 + 1")
        (rf"(?<![-−+*/%=<>^]\s)(?<![-−+*/%=<>^]){_VALUE}\s*(?:\*\*|//|==|!=|<=|>=|->|=>|[-−+*/%=<>^×÷→])\s*{_VALUE}", " 0 "),
        (rf"{_VALUE}\s*(?:=|->|=>|→)\s*[A-Za-z]\w*\b", " 0 "),  # a value table: 1000 = M, 4 -> four
        # the inputs of an example: "n = 7 with x = 34, y = 12 gives 34", "n=2 → 1", "(with k = 3)"
        (rf"\b[A-Za-z_]\w*\s*=\s*{_VALUE}(?=\s*(?:,\s*[A-Za-z_]\w*\s*=\s*{_VALUE}\s*)*(?:with\b|and\b|{_EXAMPLE_RESULT}))", " 0 "),
        # ... and its conditions: "for k >= 3", "when n = 0" (not "if"/"while": those are code keywords too)
        (rf"\b(for|with|when|where|e\.g\.|i\.e\.)\s+[A-Za-z_]\w*\s*(?:==|!=|<=|>=|[=<>])\s*{_VALUE}", r" \1 0 "),
        # a list of examples: "'ab' gives 'ba'; 'abc' gives 'cba'"
        (rf"{_VALUE}\s*(?:gives|give|returns|yields|produces|becomes)\s*{_VALUE}", " 0 "),
        (rf"{_VALUE}\s*;\s*{_VALUE}", " 0 "),
    )
]


def _values_as_literals(line: str, source: _Source) -> str:
    """``line`` with the values it quotes or computes (see :data:`_VALUE_REDUCTIONS`) replaced by ``0``."""
    line = _QUOTED.sub(lambda match: match.group() if _is_code(match.group(2)) else " 0 ", line)
    if source.string_value_key:  # "M = 1000" when M is one of the code's strings
        line = source.string_value_key.sub(" ", line)
    if source.self_call:  # whether "f(k-1) + f(k-2)" is the code's own expression is the alignment's call
        line = source.self_call.sub(r" \1 \2 ", line)
    line = _MATH_GROUP.sub(" 0 ", line)
    previous = None
    while line != previous:  # nested values reduce from the inside out; every step removes a symbol or word
        previous = line
        for pattern, replacement in _VALUE_REDUCTIONS:
            line = pattern.sub(replacement, line)
    return line


def _line_syntax(line: str, source: _Source) -> float:
    """The code-syntax weight of a prose line, its values aside; a line without one prose word (only the
    code's names and keywords, or names like ``v2``) that has any syntax is code through and through."""
    line = _values_as_literals(line, source)
    weight = _syntax_weight(line)
    words = (_canonical(word) for word in re.findall(r"[A-Za-z_]\w*", line))
    if weight and not any(word.isalpha() and len(word) > 1 and word not in source.names for word in words):
        weight += 1.0
    return weight


def _is_code(text: str) -> bool:
    """Whether a quoted text is code rather than a value: several names joined by code syntax."""
    return len(re.findall(r"[A-Za-z_]\w*", text)) > 1 and _syntax_weight(text) >= 1.0


def _syntax_weight(line: str) -> float:
    """How much ``line`` looks like code: operators, braces, attribute access, calls."""
    plain = _URL.sub(" ", line.replace("`", " "))
    weight = sum(_SYNTAX_WEIGHTS.get(token, 0.0) for token in _LEXER.findall(plain))
    return weight + 0.5 * len(_ATTRIBUTE.findall(plain)) + 0.25 * len(_CALL.findall(plain))


def _best_alignment(doc_tokens: list[str], source_tokens: tuple[str, ...], weights: np.ndarray) -> float:
    """Best local alignment score (Smith-Waterman, linear gaps) of the two token sequences.

    Each row is vectorised: the horizontal gap recurrence H[j] = max(T[j], H[j-1] - gap) is a
    running maximum of T[k] + gap*k, shifted back by gap*j.
    """
    if not doc_tokens or not source_tokens:
        return 0.0
    vocabulary = {token: index for index, token in enumerate(dict.fromkeys(source_tokens))}
    source_ids = np.array([vocabulary[token] for token in source_tokens])
    doc_ids = np.array([vocabulary.get(token, -1) for token in doc_tokens])
    matches = doc_ids[:, None] == source_ids[None, :]
    if not matches.any():
        return 0.0
    scores = np.where(matches, weights[None, :], -_GAP)
    has_match = matches.any(axis=1)
    ramp = _GAP * np.arange(len(source_tokens) + 1)
    previous = np.zeros(len(source_tokens) + 1)
    best = np.zeros_like(previous)
    alive = False  # some cell of the previous row is positive
    for row, row_matches in zip(scores, has_match):
        if not (alive or row_matches):
            continue  # a row of prose words after a row of zeros stays all zero
        current = np.zeros_like(previous)
        current[1:] = np.maximum(np.maximum(previous[:-1] + row, previous[1:] - _GAP), 0.0)
        current = np.maximum.accumulate(current + ramp) - ramp
        np.maximum(best, current, out=best)
        alive = bool(current.any())
        previous = current
    return float(best.max())


def _spell_to_symbols(text: str) -> str:
    text = text.lower()
    for pattern, replacement in _SPELLED_OUT:
        text = pattern.sub(replacement, text)
    return text


def _find_leak(text: str, source: _Source, config: DocFilterConfig) -> str | None:
    """The kind of code leak in the (unwrapped) documentation, or ``None``."""
    lines = text.splitlines()
    if any(_FENCE_LINE.match(line) for line in lines):
        return "fenced_code"
    for line in lines:
        if re.match(r"^(?: {4,}|\t)", line) and not _LIST_MARKER.match(line) and _syntax_weight(line) >= 1.0:
            return "indented_code"
    prose_lines = [_prose_line(line) for line in lines]
    # Both as prose and as written: emphasis markers are also the stars of "*args, **kwargs".
    for line in prose_lines + [_LIST_MARKER.sub("", line) for line in lines]:
        stripped = _strip_line(line)
        if stripped in source.whole_lines:
            return "copied_line"
        if any(code_line in stripped.lower() for code_line in source.long_lines):
            return "copied_line"
    doc_tokens = _lex(" ".join(prose_lines))
    n = config.max_token_run
    if any(tuple(doc_tokens[i : i + n]) in source.runs for i in range(len(doc_tokens) - n + 1)):
        return "token_run"
    spans = dict.fromkeys(_INLINE_CODE.findall(text))  # a short expression may be named twice
    # A name or a value in backticks (`num`, `'B'`, `[1, 2]`, `True`) is how capable models write prose.
    span_tokens = [count for count in (len(_lex(_values_as_literals(span, source))) for span in spans) if count > 1]
    if span_tokens and (
        max(span_tokens) > config.max_inline_code_tokens
        or (
            sum(span_tokens) > config.max_inline_code_share * max(len(doc_tokens), 1)
            and sum(span_tokens) >= config.max_inline_code_tokens
        )
    ):
        return "inline_code"
    line_weights = [_line_syntax(line, source) for line in prose_lines]
    if max(line_weights) >= config.max_line_syntax or sum(line_weights) >= config.max_doc_syntax:
        return "code_syntax"
    prose = " ".join(prose_lines)
    if _read_aloud_count(prose) > config.max_spelled_symbols:
        return "spelled_syntax"
    symbols = _lex(_spell_to_symbols(prose))
    if _best_alignment(symbols, source.tokens, source.exact_weights) >= config.max_alignment:
        return "code_as_prose"
    abstract_doc = [
        "<id>" if (token[:1].isalpha() or token[:1] in "_$") and token not in source.keywords else token
        for token in symbols
    ]
    if _best_alignment(abstract_doc, source.abstract_tokens, source.abstract_weights) >= config.max_abstract_alignment:
        return "renamed_code"
    return None


# ---------------------------------------------------------------------------------------------


def _rejection(text: str, config: DocFilterConfig) -> str | None:
    """Why ``text`` is not usable documentation regardless of the source, or ``None``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(text) > config.max_chars or len(lines) > config.max_lines:
        return "too_long"
    if _PLACEHOLDER.search(text):
        return "template"
    if text[:1] in "{[":
        try:
            json.loads(text)
            return "structured"
        except ValueError:
            pass
    visible = re.sub(r"\s+", "", _LIST_MARKER.sub("", text))
    if sum(char.isalpha() for char in visible) < config.min_letter_ratio * len(visible):
        return "not_prose"
    if len(re.findall(r"[A-Za-z]{2,}", text)) < config.min_words:
        return "too_short"
    prose_lines = [prose for prose in map(_prose_line, lines) if prose]  # headers alone are no repetition
    repeated = len(prose_lines) - len(set(prose_lines))
    if repeated >= 2 and repeated > config.max_repeated_line_ratio * len(lines):
        return "repetitive"
    return None


def check(doc: str, code: str, language: str, config: DocFilterConfig = DEFAULT_CONFIG) -> DocCheck:
    """Score a generated documentation of ``code`` (see the module docstring for the rules)."""
    if not doc.strip():
        return DocCheck(0.0, "", "invalid:empty")
    source = _analyse_source(code, language, config)
    text, notes = _unwrap(doc)
    if not text:
        return DocCheck(0.0, text, "invalid:empty")
    if (problem := _rejection(text, config)) in ("too_long", "template", "structured"):
        return DocCheck(0.0, text, f"invalid:{problem}")
    if leak := _find_leak(text, source, config):
        return DocCheck(0.0, text, f"leak:{leak}")
    if problem:
        return DocCheck(0.0, text, f"invalid:{problem}")

    sections = _split_sections(text)
    if sections.duplicated:
        return DocCheck(0.0, text, "invalid:duplicate_section")
    notes += ["headers"] * sections.renamed + ["order"] * sections.reordered
    reasons = [f"rewritten:{note}" for note in notes]
    for section in REQUIRED_SECTIONS + OPTIONAL_SECTIONS:
        body = [line for line in sections.content.get(section, []) if line.strip()]
        words = len(re.findall(r"[A-Za-z]{2,}", " ".join(body)))
        missing = not body or (section == SUMMARY and words < config.min_summary_words)
        if section in REQUIRED_SECTIONS and (missing or (section == BEHAVIOR and _NONE_CONTENT.match(body[0]))):
            return DocCheck(0.0, text, f"invalid:missing_{section.lower()}")
        if missing:
            reasons.append(f"incomplete:missing_{section.lower()}")
    if not reasons:
        return DocCheck(1.0, text, "ok")
    return DocCheck(0.5, _render(sections), ",".join(reasons))


def sections(doc: str) -> dict[str, list[str]]:
    """The non-empty lines of each section of an accepted documentation (a ``check(...).doc``), keyed
    by the section names of :mod:`batcoder.prompts`; a header's own text (``Returns: the sum``) is
    its section's first line."""
    content = _split_sections(doc).content
    return {section: [line.strip() for line in lines if line.strip()] for section, lines in content.items()}


def says_none(text: str) -> bool:
    """True for a section line that says there is nothing ("none", "nothing", "n/a")."""
    return bool(_NONE_CONTENT.match(text))


__all__ = ["DEFAULT_CONFIG", "DocCheck", "DocFilterConfig", "check", "says_none", "sections"]
