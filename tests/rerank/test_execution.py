import ast
import shutil

import pytest

from batcoder.rerank.execution import execution_note, execution_notes

ADD_ONE = "def add_one(xs: list[int]) -> list[int]:\n    return [x + 1 for x in xs]\n"
HEAD = "def head(xs: list[int]) -> int:\n    return xs[0]\n"


def _lines(note: str) -> list[tuple[tuple, str]]:
    pairs = []
    for line in note.splitlines():
        arguments, output = line.removeprefix("# ").split(" -> ")
        pairs.append((tuple(ast.literal_eval(f"[{arguments[1:-1]}]")), output))
    return pairs


def test_note_writes_arguments_and_output_per_input_and_error_for_a_failure():
    assert execution_note([(1, [2]), ("a",)], ["3", None], "//") == "// (1, [2]) -> 3\n// ('a') -> error"


def test_notes_hold_each_programs_true_outputs_on_its_generated_inputs():
    notes = execution_notes([(ADD_ONE, "python"), (HEAD, "python"), ("x = 1\n", "python")], 4)
    add_one = _lines(notes[0])
    assert len(add_one) == 4
    for (xs,), output in add_one:
        assert ast.literal_eval(output) == [x + 1 for x in xs]
    head = _lines(notes[1])
    assert len(head) == 4 and all(output == ("error" if not xs else str(xs[0])) for (xs,), output in head)
    assert notes[2].startswith("# not run: ")
    assert execution_notes([(ADD_ONE, "python")], 4) == notes[:1]  # the inputs depend on the signature alone


@pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby is not installed")
def test_notes_run_each_language_in_its_own_sandbox_and_keep_the_order():
    notes = execution_notes([("def twice(n)\n  n * 2\nend\n", "ruby"), (ADD_ONE, "python")], 2)
    assert all(int(output) == 2 * arguments[0] for arguments, output in _lines(notes[0]))
    assert notes[1] == execution_notes([(ADD_ONE, "python")], 2)[0]
