"""Type-directed values: random inputs for a signature, and literals of a value in each language.

Shared by the world's tests and by the ``exec`` similarity metric, so a world program is exercised
on the same kind of inputs it was written for. Types are written as the world writes Python hints:
``int``, ``float``, ``bool``, ``str``, ``list[int]``, ``list[str]``, ``list[float]``.
"""

from __future__ import annotations

import json
import random

SUPPORTED_TYPES = ("int", "float", "bool", "str", "list[int]", "list[str]", "list[float]", "list[bool]")
WORDS = (
    "apple", "tree", "sun", "moon", "river", "stone", "cat", "dog", "blue", "green", "open", "ear", "idea",
    "rain", "sky", "note", "tea", "star", "oak", "echo", "iris", "salt", "net", "art", "Otto", "Anna", "Eva",
)  # fmt: skip
INT_RANGE = (-20, 30)
SMALL_INT_RANGE = (-3, 10)  # half of the ints: where list elements and thresholds meet (boundaries get hit)
ELEMENT_RANGE = (-10, 20)
MAX_LIST = 8
BOUNDARY_SHARE = 0.3


def random_value(type_name: str, rng: random.Random, int_choices: tuple[int, ...] | None = None):
    """A random value of ``type_name`` (one of :data:`SUPPORTED_TYPES`); ``int_choices`` narrows an int."""
    if type_name == "int":
        if int_choices:
            return rng.choice(int_choices)
        return rng.randint(*(SMALL_INT_RANGE if rng.random() < 0.5 else INT_RANGE))
    if type_name == "float":
        return round(rng.uniform(-10, 10), 2)
    if type_name == "bool":
        return rng.random() < 0.5
    if type_name == "str":
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))
    if type_name.startswith("list[") and type_name.endswith("]"):
        element = type_name[5:-1]
        length = rng.randint(0, MAX_LIST)
        if element == "int":
            return [rng.randint(*ELEMENT_RANGE) for _ in range(length)]
        return [random_value(element, rng) for _ in range(length)]
    raise ValueError(f"no input generator for type {type_name!r}")


def edge_value(type_name: str, int_choices: tuple[int, ...] | None = None):
    """The simplest value of a type (empty list, empty string, 0), where functions often differ."""
    if type_name == "int":
        return 0 if not int_choices or 0 in int_choices else int_choices[0]
    return {"float": 0.0, "bool": False, "str": ""}.get(type_name, [])


def random_inputs(types: list[str], rng: random.Random, count: int, int_choices: list | None = None) -> list[tuple]:
    """``count`` argument tuples for parameters of ``types``: one all-edge tuple, then random ones
    (distinct where the domain allows)."""
    choices = int_choices or [None] * len(types)
    inputs = [tuple(edge_value(type_name, domain) for type_name, domain in zip(types, choices))]
    attempts = 0
    while len(inputs) < count and attempts < count * 20:
        attempts += 1
        candidate = [random_value(type_name, rng, domain) for type_name, domain in zip(types, choices)]
        # An unconstrained int sometimes equals an element of a list argument: comparisons meet their boundary.
        elements = [x for value, t in zip(candidate, types) if t == "list[int]" for x in value]
        for position, (type_name, domain) in enumerate(zip(types, choices)):
            if type_name == "int" and domain is None and elements and rng.random() < BOUNDARY_SHARE:
                candidate[position] = rng.choice(elements)
        candidate = tuple(candidate)
        if candidate not in inputs or attempts > count * 10:
            inputs.append(candidate)
    return inputs


def literal(value, language: str, type_name: str | None = None) -> str:
    """``value`` written as a literal of ``language`` (``type_name`` for Go's typed empty lists)."""
    if isinstance(value, bool):
        return ("True" if value else "False") if language == "python" else ("true" if value else "false")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # ASCII: valid in all three languages (no '#{', no '$')
    if isinstance(value, list):
        element_type = type_name[5:-1] if type_name and type_name.startswith("list[") else None
        items = ", ".join(literal(item, language, element_type) for item in value)
        if language == "go":
            return f"{go_type(type_name or 'list[int]')}{{{items}}}"
        return f"[{items}]"
    raise ValueError(f"no literal for {type(value).__name__}")


_GO_TYPES = {"int": "int", "float": "float64", "bool": "bool", "str": "string"}


def go_type(type_name: str) -> str:
    if type_name.startswith("list[") and type_name.endswith("]"):
        return "[]" + go_type(type_name[5:-1])
    return _GO_TYPES[type_name]
