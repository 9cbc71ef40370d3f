"""An accepted documentation (the prompts' format) written the way each language documents a function.

* Python: a PEP 257 docstring (the summary line, then the sections).
* Ruby: an RDoc/YARD ``#`` block, parameters and return value as ``@param``/``@return`` tags.
* Go: a ``//`` doc comment starting with the function's name (``// Add returns ...``), lists in
  gofmt's canonical layout.
* JavaScript: a JSDoc ``/** ... */`` with ``@param``/``@returns``; Java: a Javadoc with
  ``@param``/``@return``.

A renderer returns the lines without indentation; :class:`batcoder.languages.DocSlot` places them.
"""

from __future__ import annotations

import re
from typing import Callable

from batcoder import docfilter
from batcoder.prompts import BEHAVIOR, PARAMETERS, RETURNS, SUMMARY

# "- name: meaning" (a type in parentheses after the name is dropped: tags carry no types here)
_PARAMETER = re.compile(r"^[-*]\s*([A-Za-z_$][\w$]*)\s*(?:\([^)]*\))?\s*:\s*(\S.*)$")
_LIST_ITEM = re.compile(r"^(?:[-*]|\d+[.)])\s+")
# first words that do not start an imperative summary ("The sum of ...")
_NOT_VERBS = frozenset({"a", "an", "the", "this", "that", "it", "its", "if", "whether", "when", "for", "given", "helper"})


def render(language: str, doc: str, name: str) -> list[str] | None:
    """The documentation's lines in ``language``'s convention (None: no convention for it)."""
    renderer = _RENDERERS.get(language)
    return renderer(docfilter.sections(doc), name) if renderer is not None else None


def supported_languages() -> list[str]:
    return sorted(_RENDERERS)


def _section(sections: dict[str, list[str]], name: str) -> list[str]:
    lines = sections.get(name, [])
    return [] if len(lines) == 1 and docfilter.says_none(lines[0]) else lines


def _prose(sections: dict[str, list[str]], names: tuple[str, ...]) -> list[str]:
    """The summary, then each named section (``Name: text`` or a header line and its list), a blank
    line before each."""
    lines = list(sections.get(SUMMARY, []))
    for name in names:
        body = _section(sections, name)
        if len(body) == 1 and not _LIST_ITEM.match(body[0]):
            lines += ["", f"{name}: {body[0]}"]
        elif body:
            lines += ["", f"{name}:", *body]
    return lines


def _tagged(sections: dict[str, list[str]], returns_tag: str) -> list[str]:
    """Summary and behaviour as text, parameters and return value as ``@param``/``returns_tag`` tags
    (a parameter list not written as ``- name: meaning`` stays text)."""
    parameters = _section(sections, PARAMETERS)
    matches = [_PARAMETER.match(line) for line in parameters]
    as_tags = all(matches)
    lines = _prose(sections, (BEHAVIOR,) if as_tags else (PARAMETERS, BEHAVIOR))
    tags = [f"@param {match.group(1)} {match.group(2)}" for match in matches] if as_tags else []
    tags += [f"{returns_tag} {' '.join(_section(sections, RETURNS))}"] if _section(sections, RETURNS) else []
    return lines + ([""] + tags if tags else [])


def _python(sections: dict[str, list[str]], name: str) -> list[str]:
    lines = [line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for line in _prose(sections, (PARAMETERS, RETURNS, BEHAVIOR))]
    return [f'"""{lines[0]}', *lines[1:], '"""']  # Behavior is required: never a one-line docstring


def _block_comment(lines: list[str]) -> list[str]:
    lines = [line.replace("*/", "*&#47;") for line in lines]
    return ["/**", *(f" * {line}" if line else " *" for line in lines), " */"]


def _ruby(sections: dict[str, list[str]], name: str) -> list[str]:
    return [f"# {line}" if line else "#" for line in _tagged(sections, "@return")]


def _javascript(sections: dict[str, list[str]], name: str) -> list[str]:
    return _block_comment(_tagged(sections, "@returns"))


def _java(sections: dict[str, list[str]], name: str) -> list[str]:
    return _block_comment(_tagged(sections, "@return"))


def _go(sections: dict[str, list[str]], name: str) -> list[str]:
    summary = sections.get(SUMMARY, [])
    rest = {section: lines for section, lines in sections.items() if section != SUMMARY}
    lines = [_go_summary(name, " ".join(summary))] if summary else [name]
    for line in _prose(rest, (PARAMETERS, RETURNS, BEHAVIOR)):
        bullet = re.match(r"^[-*]\s+(.*)$", line)
        number = re.match(r"^(\d+)[.)]\s+(.*)$", line)
        if bullet:
            line = f"  - {bullet.group(1)}"
        elif number:
            line = f" {number.group(1)}. {number.group(2)}"
        lines.append(line)
    return [f"// {line}" if line else "//" for line in lines]


def _go_summary(name: str, summary: str) -> str:
    """``Name`` followed by the summary, an imperative first verb in the third person
    ("Return the sum." → "Add returns the sum."); "Name: summary" when it does not start with a verb."""
    first, _, rest = summary.partition(" ")
    word = first.lower()
    if not (first[:1].isupper() and word.isalpha()) or word in _NOT_VERBS:
        return f"{name}: {summary}"
    if word.endswith(("ss", "sh", "ch", "x", "z", "o")):
        word += "es"
    elif word.endswith("y") and word[-2:-1] not in "aeiou":
        word = word[:-1] + "ies"
    elif not word.endswith("s"):  # "Returns" is already third person
        word += "s"
    return " ".join(part for part in (name, word, rest) if part)


_RENDERERS: dict[str, Callable[[dict[str, list[str]], str], list[str]]] = {
    "python": _python,
    "ruby": _ruby,
    "go": _go,
    "javascript": _javascript,
    "java": _java,
}
