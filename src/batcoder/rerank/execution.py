"""What an execution-reading reranker sees besides the code (LEVER, Ni et al. 2023): the candidate's
own outputs on a few inputs generated from its signature, written after the program as comment
lines, ``# (3, [1, 2]) -> 5`` (``error`` where it raised or timed out). The inputs come from the
exec metric's type-directed generator (:func:`batcoder.similarity.metrics.exec.own_behaviour`),
never from the problem's tests, so a reranker that reads them still selects without tests."""

from __future__ import annotations

from typing import Sequence


def execution_note(inputs: Sequence[tuple], outputs: Sequence[str | None], line_comment: str) -> str:
    """One comment line per input: its arguments and what the program printed for them."""
    return "\n".join(f"{line_comment} ({', '.join(map(repr, arguments))}) -> {'error' if output is None else output}"
                     for arguments, output in zip(inputs, outputs))


def execution_notes(programs: Sequence[tuple[str, str]], inputs: int) -> list[str]:
    """The note of each ``(program, language)``, its programs run together per language; a program
    whose signature cannot be read gets ``<comment> not run: <reason>``."""
    from batcoder.languages import get_language
    from batcoder.similarity.metrics.exec import own_behaviour

    notes = [""] * len(programs)
    by_language: dict[str, list[int]] = {}
    for index, (_, language) in enumerate(programs):
        by_language.setdefault(language, []).append(index)
    for language, indices in by_language.items():
        marker = get_language(language).line_comment
        for index, result in zip(indices, own_behaviour([programs[i][0] for i in indices], language, inputs)):
            notes[index] = f"{marker} not run: {result}" if isinstance(result, str) else execution_note(*result, marker)
    return notes
