from batcoder.prompts import (
    BEHAVIOR,
    DOC_SECTIONS,
    OPTIONAL_SECTIONS,
    REQUIRED_SECTIONS,
    code_to_doc_messages,
    doc_to_code_messages,
    extract_code,
    render_doc,
)

CODE = "def add(a, b):\n    return a + b\n"
DOC = "Add two numbers.\nParameters:\n- a: first\n- b: second\nReturns: the sum\nBehavior:\n1. Return the sum."


def _assert_chat(messages):
    assert [message["role"] for message in messages] == ["system", "user"]
    assert all(isinstance(message["content"], str) and message["content"] for message in messages)


def test_code_to_doc_messages_embed_code_and_format():
    messages = code_to_doc_messages(CODE, "python")
    _assert_chat(messages)
    user = messages[1]["content"]
    assert "```python\ndef add(a, b):\n    return a + b\n```" in user
    assert "Python" in user
    for header in ("Parameters:", "Returns:", "Behavior:"):
        assert header in user
    assert "Do not write any code" in user


def test_code_to_doc_prompt_names_the_language():
    user = code_to_doc_messages("function f() {}", "javascript")[1]["content"]
    assert "JavaScript" in user and "```javascript" in user


def test_doc_to_code_without_signature_shows_only_the_doc():
    messages = doc_to_code_messages(DOC, "ruby")
    _assert_chat(messages)
    user = messages[1]["content"]
    assert DOC in user
    assert "signature" not in user.lower()
    assert "```ruby" in user and "Ruby" in user


def test_doc_to_code_with_signature():
    user = doc_to_code_messages(DOC, "python", signature="def add(a, b):")[1]["content"]
    assert "def add(a, b):" in user
    assert "signature" in user.lower()


def test_prompts_stay_short():
    # The embedded default policy has a short context: the fixed part of the prompt must be small.
    overhead = sum(len(message["content"]) for message in code_to_doc_messages("", "python"))
    assert overhead < 400


def test_extract_code_prefers_the_block_in_the_requested_language():
    completion = "Sure:\n```js\nconsole.log(1)\n```\nand\n```python\ndef f():\n    return 1\n```\nDone."
    assert extract_code(completion, "python") == "def f():\n    return 1"
    assert extract_code(completion, "javascript") == "console.log(1)"


def test_extract_code_takes_first_untagged_block_when_no_tag_matches():
    completion = "```\nfirst = 1\n```\n```\nsecond = 2\n```"
    assert extract_code(completion, "python") == "first = 1"


def test_extract_code_accepts_aliases_and_unterminated_fences():
    assert extract_code("```py\nx = 1\n```", "python") == "x = 1"
    assert extract_code("```go\nfunc f() {}\n", "go") == "func f() {}"
    assert extract_code("```ruby\nputs 1```", "ruby") == "puts 1"


def test_extract_code_without_fence_returns_trimmed_text():
    assert extract_code("\n  def f():\n    return 1  \n\n", "python") == "def f():\n    return 1"


def test_format_constants_are_consistent():
    assert set(REQUIRED_SECTIONS) | set(OPTIONAL_SECTIONS) == set(DOC_SECTIONS)
    assert not set(REQUIRED_SECTIONS) & set(OPTIONAL_SECTIONS)


def test_render_doc_writes_the_defined_structure():
    doc = render_doc("Add  two numbers.", ["Return the sum."], [("a", "first"), ("b", "second")], "the sum")
    assert doc == DOC
    assert render_doc("Say hi.", ["Print hi."], parameters=[], returns="nothing").splitlines()[1] == "Parameters: none"
    assert f"{BEHAVIOR}:" in render_doc("Do it.", ["Step."])


def test_signature_of_takes_the_first_top_level_function():
    from batcoder.prompts import signature_of

    assert signature_of(CODE, "python") == "def add(a, b):"
    assert signature_of("func Add(a, b int) int {\n\treturn a + b\n}\n", "go") == "func Add(a, b int) int"
    assert signature_of("x = 1\n", "python") is None
