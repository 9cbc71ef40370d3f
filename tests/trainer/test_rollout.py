"""The rollout's reward plumbing with the real prompts, doc filter and similarity metric, and a
scripted generation backend (so which documentation/reconstruction comes back is known)."""

import pytest

from batcoder.prompts import extract_code, render_doc
from batcoder.generation import Completion
from batcoder.config import load_config
from batcoder.rollout.backtranslation import CODE2DOC, DOC2CODE, BackTranslationRollout, CodeFunction, back_translation_score
from batcoder.similarity import similarity

CODE = "def clamp(value, low, high):\n    if value < low:\n        return low\n    if value > high:\n        return high\n    return value"
GOOD_DOC = render_doc(
    "Limit a number to a closed range.",
    ["If the number is below the lower bound, give the lower bound.", "If it is above the upper bound, give the upper bound.",
     "Otherwise give the number unchanged."],
    parameters=[("value", "the number to limit"), ("low", "the lower bound"), ("high", "the upper bound")],
    returns="the limited number",
)
LEAKING_DOC = f"Here is the code:\n```python\n{CODE}\n```"
WRONG_CODE = "def clamp(value, low, high):\n    total = 0\n    for item in range(high):\n        total += item * low\n    return total"


class ScriptedBackend:
    """Returns scripted completions: documentation requests get ``docs`` in order, code requests
    get one reconstruction per prompt from ``codes`` in order. Records the calls."""

    def __init__(self, tokenizer, docs, codes):
        self.tokenizer, self.docs, self.codes, self.calls = tokenizer, docs, list(codes), []

    def _completion(self, prompt, text):
        return Completion(text=text, prompt_ids=self.tokenizer.encode(prompt), completion_ids=self.tokenizer.encode(text) + [0], finish_reason="stop")

    def generate(self, prompts, *, n=1, max_new_tokens=256, temperature=1.0, top_p=1.0, stop=(), seed=None):
        self.calls.append({"prompts": prompts, "n": n, "seed": seed, "max_new_tokens": max_new_tokens})
        if "Document this" in prompts[0]:
            return [[self._completion(p, doc) for doc in self.docs[:n]] for p in prompts]
        return [[self._completion(p, self.codes.pop(0))] for p in prompts]


def _config(*overrides):
    return load_config(None, ["rollout.give_signature=true", "rollout.reward_workers=0", *overrides])


class CharTokenizer:
    chat_template = None  # prompts use the plain template

    def encode(self, text):
        return [ord(ch) % 250 + 1 for ch in text]


def test_rewards_follow_the_paper():
    tokenizer = CharTokenizer()
    backend = ScriptedBackend(tokenizer, docs=[GOOD_DOC, LEAKING_DOC, GOOD_DOC], codes=[f"```python\n{CODE}\n```", WRONG_CODE] * 2)
    function = CodeFunction(code=CODE, language="python", signature="def clamp(value, low, high):")
    config = _config("rollout.docs_per_function=3", "rollout.max_doc_tokens=64", "rollout.max_code_tokens=96", "rollout.chunk_functions=1")
    with BackTranslationRollout(backend, tokenizer, config) as rollout:
        trajectories, stats = rollout.run([function, function], group_ids=[7, 9], seed=123)

    docs = [t for t in trajectories if t.stage == CODE2DOC]
    codes = [t for t in trajectories if t.stage == DOC2CODE]
    assert [t.group_id for t in docs] == [7, 7, 7, 9, 9, 9]
    assert [t.group_id for t in codes] == [7, 7, 9, 9]  # the leaking documentation is never reconstructed
    assert [t.doc_score for t in docs] == [1.0, 0.0, 1.0] * 2
    wrong = similarity(CODE, WRONG_CODE, "python")
    assert 0.0 <= wrong < 0.9
    assert [t.reward for t in codes] == pytest.approx([1.0, wrong, 1.0, wrong])
    assert [t.reward for t in docs] == pytest.approx([1.0, 0.0, wrong] * 2)
    # code prompts carry the (rewritten) documentation and the signature; ids are the backend's
    code_prompts = [p for call in backend.calls if call["n"] == 1 for p in call["prompts"]]
    assert all("def clamp(value, low, high):" in p and "Limit a number" in p for p in code_prompts)
    assert codes[0].prompt_ids == tokenizer.encode(code_prompts[0])
    assert codes[0].response_ids[-1] == 0 and extract_code(codes[0].text, "python") == CODE
    # chunks of one function: doc seeds differ per chunk, code seeds differ from doc seeds
    assert [call["seed"] for call in backend.calls] == [123, 124, 125, 126]
    assert stats.generated_tokens == sum(len(t.response_ids) for t in trajectories)


def test_back_translation_score_counts_rejected_documentations_as_zero():
    tokenizer = CharTokenizer()
    backend = ScriptedBackend(tokenizer, docs=[GOOD_DOC, LEAKING_DOC, GOOD_DOC, LEAKING_DOC], codes=[CODE, WRONG_CODE] * 2)
    function = CodeFunction(code=CODE, language="python", signature="def clamp(value, low, high):")
    with BackTranslationRollout(backend, tokenizer, _config("rollout.docs_per_function=4")) as rollout:
        score = back_translation_score(rollout, [function], seeds=(1, 2))
    wrong = similarity(CODE, WRONG_CODE, "python")
    assert score.documentations == 8 and score.valid_rate == 0.5
    assert score.score == pytest.approx((1.0 + wrong) * 2 / 8)
    assert score.similarity == pytest.approx((1.0 + wrong) / 2)
    assert [call["seed"] for call in backend.calls if call["n"] == 4] == [1, 2]


def test_prefilled_signature_opens_the_reply_and_the_body_is_scored_with_it():
    tokenizer = CharTokenizer()
    body = CODE.split("\n", 1)[1]
    backend = ScriptedBackend(tokenizer, docs=[GOOD_DOC], codes=[f"{body}\n```", "    return 0\n```"])
    function = CodeFunction(code=CODE, language="python", signature="def clamp(value, low, high):")
    config = _config("rollout.prefill_signature=true", "rollout.docs_per_function=1", "rollout.chunk_functions=1")
    with BackTranslationRollout(backend, tokenizer, config) as rollout:
        trajectories, _ = rollout.run([function, function], group_ids=[0, 1], seed=5)

    code_prompts = [p for call in backend.calls if "Document this" not in call["prompts"][0] for p in call["prompts"]]
    assert all(p.endswith("```python\ndef clamp(value, low, high):\n") for p in code_prompts)
    codes = [t for t in trajectories if t.stage == DOC2CODE]
    assert codes[0].prompt_ids == tokenizer.encode(code_prompts[0])  # the prefill is prompt, not response
    assert codes[0].reward == pytest.approx(1.0)  # signature + generated body == the original
    assert codes[1].reward == pytest.approx(similarity(CODE, "def clamp(value, low, high):\n    return 0", "python"))


def test_prefill_needs_the_signature():
    from batcoder.errors import UserError

    with pytest.raises(UserError, match="prefill_signature"):
        load_config(None, ["rollout.prefill_signature=true"])
