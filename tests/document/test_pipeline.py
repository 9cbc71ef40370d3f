"""Sampling K documentations, the filter, reconstruction and the choice of the best one."""

import pytest

from batcoder.document.pipeline import DocumentConfig, document
from batcoder.document.sources import find_sources, select_targets
from batcoder.errors import UserError
from batcoder.prompts import render_doc
from batcoder.similarity import similarity

GOOD_DOC = render_doc(  # the fixture kit's GOOD_DOC
    "Compute a result from the given inputs.",
    ["Look at the inputs.", "Give back the computed result."],
    parameters=[("value", "the input to work on")],
    returns="the computed result",
)
OTHER_DOC = render_doc(
    "Work out an answer for the caller.",
    ["Inspect what was passed in.", "Hand back the answer."],
    parameters=[("value", "what to inspect")],
    returns="the answer",
)
CLAMP = "def clamp(value, low, high):\n    if value < low:\n        return low\n    if value > high:\n        return high\n    return value\n"
WRONG = "def clamp(value, low, high):\n    total = 0\n    for item in range(high):\n        total += item * low\n    return total"


def clamp_target(tmp_path, code=CLAMP):
    (tmp_path / "clamp.py").write_text(code)
    skipped = {}
    targets, _ = select_targets(find_sources([str(tmp_path / "clamp.py")], None, skipped), only_missing=False, max_code_chars=2000, skipped=skipped)
    return targets


def test_the_best_reconstruction_wins_and_leaks_are_never_reconstructed(tmp_path, kit):
    (target,) = clamp_target(tmp_path)
    leak = f"Here is the code:\n```python\n{target.code}\n```"
    # GOOD_DOC reconstructs wrongly, OTHER_DOC exactly (and so would the leak, were it reconstructed)
    backend = kit.ScriptedBackend(
        docs=lambda _: [leak, GOOD_DOC, OTHER_DOC], code=lambda prompt: WRONG if "Compute a result" in prompt else target.code
    )
    config = DocumentConfig(k=3, temperature=0.7, code_temperature=0.0)
    (outcome,) = document(backend, kit.CharTokenizer(), [target], config, seed=5)

    assert outcome.accepted == 2 and sum(outcome.rejections.values()) == 1
    assert all(reason.startswith("leak:") for reason in outcome.rejections)
    assert outcome.documentation == OTHER_DOC and outcome.score == pytest.approx(1.0) and outcome.doc_score == 1.0
    assert outcome.reconstruction == target.code
    doc_call, code_call = backend.calls
    assert doc_call["n"] == 3 and doc_call["temperature"] == 0.7 and doc_call["seed"] == 5
    assert code_call["n"] == 1 and code_call["temperature"] == 0.0 and code_call["seed"] == 6
    assert len(code_call["prompts"]) == 2 and all("Use this signature: def clamp(value, low, high):" in p for p in code_call["prompts"])
    assert not any("```python" in p and "return low" in p for p in code_call["prompts"])  # the leak was never a prompt


def test_the_model_sees_comment_free_code_and_a_wrong_reconstruction_scores_low(tmp_path, kit):
    (target,) = clamp_target(tmp_path, 'def clamp(value, low, high):\n    """Secret words."""\n    # hidden\n' + CLAMP.split(":\n", 1)[1])
    backend = kit.ScriptedBackend(code=lambda prompt: WRONG)
    (outcome,) = document(backend, kit.CharTokenizer(), [target], DocumentConfig(k=2), seed=0)
    assert "Secret" not in backend.calls[0]["prompts"][0] and "hidden" not in backend.calls[0]["prompts"][0]
    assert outcome.score == pytest.approx(similarity(target.code, WRONG, "python")) and outcome.score < 0.9
    assert outcome.reconstruction == WRONG and outcome.accepted == 2


def test_all_rejected_is_an_outcome_without_documentation(tmp_path, kit):
    (target,) = clamp_target(tmp_path)
    backend = kit.ScriptedBackend(docs=lambda code: ["", f"```python\n{code}\n```"])
    (outcome,) = document(backend, kit.CharTokenizer(), [target], DocumentConfig(k=4), seed=0)
    assert outcome.documentation is None and outcome.score is None and outcome.accepted == 0
    assert outcome.rejections == {"invalid:empty": 2, "leak:copied_line": 2}
    assert len(backend.calls) == 1  # nothing to reconstruct


def test_an_unknown_metric_is_a_user_error():
    with pytest.raises(UserError, match="config key 'metric'"):
        DocumentConfig(metric="nope")
