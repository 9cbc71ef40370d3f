"""A world program (a pipeline of primitives with its names) and its rendering in Python, Ruby and Go."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from batcoder.world.primitives import BY_NAME, INT, LIST, STR

LANGUAGES = ("python", "ruby", "go")
TYPE_HINTS = {LIST: "list[int]", INT: "int", STR: "str"}  # the values module's type names
GO_PACKAGES = ("sort", "strings")  # every Go prompt imports these (tests keep them used)
_INDENT = {"python": "    ", "ruby": "  ", "go": "\t"}
_PLACEHOLDER = re.compile(r"\{(src|dst|c2|c|v|t|h)\}")


@dataclass(frozen=True)
class Step:
    primitive: str  # a name in primitives.BY_NAME
    constants: tuple  # literal values of {c}, {c2}; None where the extra parameter stands
    helper: str | None  # local helper function's name (snake case) when rendered with one
    output: str  # the variable holding the step's value
    scratch: str  # the step's scratch variable ({t})


@dataclass(frozen=True)
class Program:
    name: str
    input_type: str  # primitives.LIST / INT / STR
    input_name: str
    parameter: str | None  # the extra int parameter's name, or None
    parameter_kind: str | None  # its constant kind (primitives.PARAMETER_VALUES)
    element: str  # element variable ({v})
    steps: tuple[Step, ...]

    @property
    def output_type(self) -> str:
        return BY_NAME[self.steps[-1].primitive].gives

    @property
    def argument_types(self) -> list[str]:
        """Parameter types as :mod:`batcoder.world.values` names them."""
        return [TYPE_HINTS[self.input_type]] + (["int"] if self.parameter else [])

    @property
    def argument_names(self) -> list[str]:
        return [self.input_name] + ([self.parameter] if self.parameter else [])

    @property
    def depth(self) -> int:
        return len(self.steps)

    @property
    def skeleton(self) -> str:
        """The program with names and constants abstracted: its primitives (by skeleton name, so a string
        program that reads like a list program shares its skeleton) and which of their constants is the
        parameter. Two renamings of one program share it."""
        return "|".join(
            (BY_NAME[step.primitive].skeleton_name or step.primitive)
            + "".join("(p)" if value is None else "(c)" for value in step.constants)
            for step in self.steps
        )

    @property
    def key(self) -> str:
        """Names abstracted, constants kept: equal for a program and its renamings."""
        parts = [self.skeleton] + [repr(step.constants) for step in self.steps]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def go_packages(self) -> set[str]:
        return {package for step in self.steps for package in BY_NAME[step.primitive].needs}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _constant_text(value, parameter: str | None) -> str:
    if value is None:
        return parameter
    return f'"{value}"' if isinstance(value, str) else str(value)


def _step_lines(program: Program, index: int, language: str) -> list[str]:
    step = program.steps[index]
    primitive = BY_NAME[step.primitive]
    source = program.input_name if index == 0 else program.steps[index - 1].output
    constants = [_constant_text(value, program.parameter) for value in step.constants]
    values = {
        "src": source,
        "dst": step.output,
        "c": constants[0] if constants else "",
        "c2": constants[1] if len(constants) > 1 else "",
        "v": program.element,
        "t": step.scratch,
        "h": (_camel(step.helper) if language == "go" else step.helper) if step.helper else "",
    }
    template = primitive.code(language, helper=step.helper is not None)
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template).splitlines()


def _indent(lines: list[str], language: str, level: int = 1) -> list[str]:
    unit = _INDENT[language]
    out = []
    for line in lines:
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 4
        out.append(unit * (level + depth) + stripped)
    return out


def signature(program: Program, language: str, name: str | None = None) -> str:
    """The function's header line (Go: ending in ``{``; Python: in ``:``)."""
    name = name or program.name
    if language == "python":
        arguments = ", ".join(f"{n}: {t}" for n, t in zip(program.argument_names, program.argument_types))
        return f"def {name}({arguments}) -> {TYPE_HINTS[program.output_type]}:"
    if language == "ruby":
        return f"def {name}({', '.join(program.argument_names)})"
    from batcoder.world.values import go_type

    arguments = ", ".join(f"{n} {go_type(t)}" for n, t in zip(program.argument_names, program.argument_types))
    return f"func {name}({arguments}) {go_type(TYPE_HINTS[program.output_type])} {{"


def body(program: Program, language: str) -> str:
    """The function's body and closing line, as a benchmark's canonical completion."""
    lines: list[str] = []
    for index in range(len(program.steps)):
        lines += _indent(_step_lines(program, index, language), language)
    lines += _indent([f"return {program.steps[-1].output}"], language)
    if language == "ruby":
        lines.append("end")
    elif language == "go":
        lines.append("}")
    return "\n".join(lines) + "\n"


def render(program: Program, language: str, name: str | None = None) -> str:
    """The whole function in ``language`` (Go: the function alone, no package clause)."""
    return signature(program, language, name) + "\n" + body(program, language)


def _template_pattern(template: str) -> re.Pattern:
    lines = [line.strip() for line in template.splitlines()]
    parts = [_PLACEHOLDER.split(line) for line in lines]
    regex_lines = []
    for pieces in parts:
        # split() alternates text and placeholder names: escape the text, let a placeholder be a name or literal
        regex_lines.append("".join(re.escape(piece) if index % 2 == 0 else r'(?:[A-Za-z_]\w*|-?\d+|"[^"\n]*")'
                                   for index, piece in enumerate(pieces)))
    return re.compile(r"\n".join(regex_lines))


@lru_cache(maxsize=None)
def _step_patterns(language: str) -> tuple[tuple[re.Pattern, int, str, str], ...]:
    """(pattern, its number of lines, takes, gives) of every primitive's template in ``language``."""
    from batcoder.world.primitives import PRIMITIVES

    patterns = []
    for primitive in PRIMITIVES:
        for helper in (False, True) if primitive.helpers else (False,):
            template = primitive.code(language, helper)
            patterns.append((_template_pattern(template), len(template.splitlines()), primitive.takes, primitive.gives))
    return tuple(patterns)


def _input_types(lines: list[str], position: int, current: str | None, language: str) -> set[str]:
    """Input types under which ``lines[position:]`` reads as a chain of primitives ending in a return."""
    closing = {"python": 0, "ruby": 1, "go": 1}[language]
    if len(lines) - position == 1 + closing and re.fullmatch(r"return \w+", lines[position]) and position > 0:
        return {current}
    found = set()
    for pattern, size, takes, gives in _step_patterns(language):
        if current not in (None, takes) or not pattern.fullmatch("\n".join(lines[position : position + size])):
            continue
        found |= {takes if current is None else current for _ in _input_types(lines, position + size, gives, language)}
    return found


def argument_types(code: str, language: str) -> list[str] | None:
    """The parameter types of a world program's rendering, read by matching its body against the
    primitives' templates (``None`` when ``code`` is no world program, or reads as one for two input
    types, as Ruby's ``xs.reverse.length`` does). Ruby has no types to read otherwise."""
    lines = [line.strip() for line in code.strip().splitlines() if line.strip()]
    header = re.match(r"(?:def|func)\s+\w+\(([^()]*)\)", lines[0]) if lines else None
    if not header:
        return None
    parameters = [p for p in header.group(1).split(",") if p.strip()]
    types = _input_types(lines[1:], 0, None, language)
    if len(types) != 1:
        return None
    return [TYPE_HINTS[types.pop()]] + ["int"] * (len(parameters) - 1)
