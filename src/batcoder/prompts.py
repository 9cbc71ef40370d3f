"""Prompts for the two back-translation stages and the documentation format they share.

Stage 1 (code → doc) asks for documentation in one fixed, plain-prose structure::

    <one-line summary>
    Parameters:
    - <name>: <what it is>
    Returns: <what the function returns>
    Behavior:
    1. <first step>
    2. <next step>

Stage 2 (doc → code) asks for an implementation in the same language from that documentation
alone, optionally with the function's signature. :mod:`batcoder.docfilter` scores documentation
against the section constants defined here. Prompts are kept short on purpose: the embedded
default policy is a tiny CPU model with a short context.
"""

from __future__ import annotations

import re

SUMMARY = "Summary"
PARAMETERS = "Parameters"
RETURNS = "Returns"
BEHAVIOR = "Behavior"

# Sections in the order they are written. The summary has no header: it is the first line.
DOC_SECTIONS = (SUMMARY, PARAMETERS, RETURNS, BEHAVIOR)
# Documentation without one of these is unusable (score 0).
REQUIRED_SECTIONS = (SUMMARY, BEHAVIOR)
# Documentation without one of these is usable but not well-formed (score 0.5).
OPTIONAL_SECTIONS = (PARAMETERS, RETURNS)
# Headers written as "Name:" at the start of a line (the summary has none).
SECTION_HEADERS = (PARAMETERS, RETURNS, BEHAVIOR)

DOC_FORMAT = f"""<one-line summary>
{PARAMETERS}:
- <name>: <meaning> (or "{PARAMETERS}: none")
{RETURNS}: <what it returns> (or "{RETURNS}: nothing")
{BEHAVIOR}:
1. <step>
2. <step>"""

SYSTEM_PROMPT = "You are an expert programmer."

_DISPLAY_NAMES = {"javascript": "JavaScript", "typescript": "TypeScript", "csharp": "C#", "cpp": "C++"}

# Fence info strings that mean the same language as the registry name.
_FENCE_ALIASES = {
    "python": {"python", "py", "python3"},
    "ruby": {"ruby", "rb"},
    "go": {"go", "golang"},
    "javascript": {"javascript", "js", "node", "jsx"},
    "java": {"java"},
}

_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:\1[ \t]*$|\Z)", re.M | re.S)


def display_name(language: str) -> str:
    """How a language is named in prose ("javascript" → "JavaScript")."""
    return _DISPLAY_NAMES.get(language.lower(), language.capitalize())


def render_doc(summary: str, behavior: list[str], parameters: list[tuple[str, str]] | None = None,
               returns: str | None = None) -> str:
    """Documentation in the defined format; ``parameters``/``returns`` of ``None`` omit the section.

    ``parameters=[]`` writes "Parameters: none". Builds the warm-up targets (:func:`batcoder.sft.structured_doc`).
    """
    lines = [" ".join(summary.split())]
    if parameters is not None:
        if parameters:
            lines.append(f"{PARAMETERS}:")
            lines.extend(f"- {name}: {meaning}" for name, meaning in parameters)
        else:
            lines.append(f"{PARAMETERS}: none")
    if returns is not None:
        lines.append(f"{RETURNS}: {returns}")
    lines.append(f"{BEHAVIOR}:")
    lines.extend(f"{number}. {step}" for number, step in enumerate(behavior, start=1))
    return "\n".join(lines)


def code_to_doc_messages(code: str, language: str) -> list[dict]:
    """Chat messages asking the policy to document ``code`` in :data:`DOC_FORMAT`, without code."""
    name = display_name(language)
    request = (
        f"Document this {name} function in plain English. Do not write any code.\n"
        f"Use exactly this format:\n{DOC_FORMAT}\n\n"
        f"```{language.lower()}\n{code.strip()}\n```"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": request}]


def doc_to_code_messages(doc: str, language: str, signature: str | None = None) -> list[dict]:
    """Chat messages asking for a ``language`` implementation of ``doc``.

    With ``signature`` the function must start with it; with ``None`` the model sees the
    documentation alone.
    """
    name = display_name(language)
    request = f"Write a {name} function that does what this documentation describes.\n\n{doc.strip()}\n\n"
    if signature is not None:
        request += f"Use this signature: {signature.strip()}\n"
    request += f"Reply with only the code in a ```{language.lower()} block."
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": request}]


def code_reply_start(language: str, signature: str) -> str:
    """The opening of a doc -> code reply when the reply is prefilled (``rollout.prefill_signature``):
    the code fence and the signature, so the model writes only the body (as HumanEval's prompts do)."""
    header = signature.strip()
    if language.lower() == "go" and not header.endswith("{"):
        header += " {"
    return f"```{language.lower()}\n{header}\n"


def complete_code_messages(prompt: str, language: str) -> list[dict]:
    """Chat messages asking an instruction-tuned model to finish a benchmark prompt (code ending inside
    an unfinished function) and reply with the whole program."""
    name, fence = display_name(language), language.lower()
    request = (
        f"Complete the following {name} code. Reply with the whole completed code in one ```{fence} block.\n\n"
        f"```{fence}\n{prompt.rstrip()}\n```"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": request}]


def extract_code(completion: str, language: str) -> str:
    """The code in a doc → code completion, trimmed.

    The first fenced block tagged with ``language`` (or one of its aliases) wins, then the first
    untagged block, then the first block of any tag; an unterminated fence (generation stopped
    early) runs to the end. Without fences the whole completion is the code.
    """
    blocks = [(match.group(2).lower(), match.group(3)) for match in _FENCE.finditer(completion)]
    if not blocks:
        return completion.strip()
    aliases = _FENCE_ALIASES.get(language.lower(), {language.lower()})

    def preference(block: tuple[str, str]) -> int:
        tag = block[0]
        return 0 if tag in aliases else 1 if tag == "" else 2

    return min(blocks, key=preference)[1].strip()


def signature_of(code: str, language: str) -> str | None:
    """The header of the first top-level function in ``code`` (``None`` when there is none)."""
    from batcoder.languages import get_language

    functions = get_language(language).functions(code)
    top_level = [function for function in functions if not function.nested] or functions
    return top_level[0].signature.strip() if top_level else None


__all__ = [
    "BEHAVIOR",
    "DOC_FORMAT",
    "DOC_SECTIONS",
    "OPTIONAL_SECTIONS",
    "PARAMETERS",
    "REQUIRED_SECTIONS",
    "RETURNS",
    "SECTION_HEADERS",
    "SUMMARY",
    "code_reply_start",
    "code_to_doc_messages",
    "display_name",
    "doc_to_code_messages",
    "extract_code",
    "render_doc",
    "signature_of",
]
