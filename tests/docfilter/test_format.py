"""The documentation format: well-formed documentation scores 1, documentation that is usable after
a rewrite scores 0.5 and comes back rewritten, unusable documentation scores 0."""

import pytest

from batcoder.docfilter import DocCheck, DocFilterConfig, check
from batcoder.prompts import render_doc

CODE = '''def mean(values):
    """Arithmetic mean."""
    if not values:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)
'''
STEPS = ["If the list is empty, raise a ValueError.", "Divide the sum of the values by their count and return it."]
DOC = render_doc("Compute the arithmetic mean of a list of numbers.", STEPS, [("values", "the numbers")], "the mean as a float")
NO_RETURNS = render_doc("Compute the arithmetic mean of a list of numbers.", STEPS, [("values", "the numbers")])
NO_PARAMETERS = render_doc("Compute the arithmetic mean of a list of numbers.", STEPS, returns="the mean as a float")
BARE = render_doc("Compute the arithmetic mean of a list of numbers.", STEPS)


def score(doc: str, config: DocFilterConfig = DocFilterConfig()) -> DocCheck:
    return check(doc, CODE, "python", config)


def test_well_formed_documentation_scores_one_and_is_kept():
    assert score(DOC) == DocCheck(1.0, DOC, "ok")
    assert score(f"\n\n{DOC}\n  \n") == DocCheck(1.0, DOC, "ok")
    assert score(DOC).valid


def test_parameters_none_and_returns_nothing_are_well_formed():
    code = "def greet():\n    print('hello')\n"
    doc = render_doc("Print a greeting on standard output.", ["Print the word hello."], parameters=[], returns="nothing")
    assert check(doc, code, "python") == DocCheck(1.0, doc, "ok")


def test_blank_lines_between_sections_are_fine():
    doc = DOC.replace("\nParameters:", "\n\nParameters:").replace("\nBehavior:", "\n\nBehavior:")
    assert score(doc).score == 1.0


WRAPPED = {
    "preamble": ("Sure! Here is the documentation for the function:\n\n" + DOC, "rewritten:preamble"),
    "preamble_here_is": ("Here's the documentation:\n" + DOC, "rewritten:preamble"),
    "preamble_here_is_sentence": ("Here is the documentation of the function.\n" + DOC, "rewritten:preamble"),
    "documentation_label": ("Documentation:\n" + DOC, "rewritten:preamble"),
    "epilogue": (DOC + "\n\nLet me know if you need anything else!", "rewritten:epilogue"),
    "fence": ("```\n" + DOC + "\n```", "rewritten:fence"),
    "fence_markdown": ("```markdown\n" + DOC + "\n```", "rewritten:fence"),
    "fence_unterminated": ("```text\n" + DOC, "rewritten:fence"),
    "tilde_fence": ("~~~\n" + DOC + "\n~~~", "rewritten:fence"),
    "docstring_quotes": ('"""' + DOC + '"""', "rewritten:docstring_quotes"),
    "docstring_quotes_lines": ("'''\n" + DOC + "\n'''", "rewritten:docstring_quotes"),
    "hash_comments": ("\n".join("# " + line for line in DOC.splitlines()), "rewritten:comment_markers"),
    "slash_comments": ("\n".join("// " + line for line in DOC.splitlines()), "rewritten:comment_markers"),
    "jsdoc_block": ("/**\n" + "\n".join(" * " + line for line in DOC.splitlines()) + "\n */", "rewritten:comment_markers"),
    "ruby_block": ("=begin\n" + DOC + "\n=end", "rewritten:comment_markers"),
    "preamble_and_fence": ("Certainly!\n```\n" + DOC + "\n```\nHope this helps.", "rewritten:preamble,rewritten:epilogue,rewritten:fence"),
}


@pytest.mark.parametrize("name", sorted(WRAPPED))
def test_wrappers_and_chatter_are_removed(name):
    doc, reason = WRAPPED[name]
    assert score(doc) == DocCheck(0.5, DOC, reason)


@pytest.mark.parametrize(
    "summary",
    ["Great circle distance between two points.", "Documentation builder: render the pages.", "Sure-fire retry of a call."],
)
def test_summaries_that_start_like_chatter_are_kept(summary):
    doc = render_doc(summary, STEPS, [("values", "the numbers")], "the mean as a float")
    assert score(doc) == DocCheck(1.0, doc, "ok")


HEADERS = {
    "markdown_bold": DOC.replace("Parameters:", "**Parameters:**").replace("Behavior:", "**Behavior**"),
    "markdown_heading": DOC.replace("Parameters:", "## Parameters").replace("Returns:", "### Returns:"),
    "aliases": DOC.replace("Parameters:", "Args:").replace("Behavior:", "Steps:"),
    "british": DOC.replace("Behavior:", "Behaviour:"),
    "lower_case": DOC.replace("Returns:", "returns:"),
    "summary_label": "Summary: " + DOC,
}


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_non_canonical_headers_are_rewritten(name):
    assert score(HEADERS[name]) == DocCheck(0.5, DOC, "rewritten:headers")


def test_sections_out_of_order_are_reordered():
    lines = DOC.splitlines()
    behavior = lines.index("Behavior:")
    shuffled = "\n".join(lines[:1] + lines[behavior:] + lines[1:behavior])
    assert score(shuffled) == DocCheck(0.5, DOC, "rewritten:order")


@pytest.mark.parametrize(
    "doc,reason",
    [
        (NO_RETURNS, "incomplete:missing_returns"),
        (NO_PARAMETERS, "incomplete:missing_parameters"),
        (BARE, "incomplete:missing_parameters,incomplete:missing_returns"),
        (NO_RETURNS.replace("Behavior:", "Returns:\nBehavior:"), "incomplete:missing_returns"),
    ],
)
def test_missing_optional_section_halves_the_score(doc, reason):
    result = score(doc)
    assert (result.score, result.reason) == (0.5, reason)
    assert result.doc == doc.replace("Returns:\n", "")


def test_rewrites_and_missing_sections_combine():
    result = score("Sure, here you go:\n```\n" + NO_RETURNS + "\n```")
    assert result == DocCheck(0.5, NO_RETURNS, "rewritten:preamble,rewritten:fence,incomplete:missing_returns")


@pytest.mark.parametrize(
    "doc,reason",
    [
        ("", "invalid:empty"),
        ("  \n\t\n", "invalid:empty"),
        ("Sure! Here is the documentation:", "invalid:empty"),
        ("```\n```", "invalid:empty"),
        ("Mean.", "invalid:too_short"),
        (DOC.split("\n")[0] + "\n" + "\n".join(f"{i}. Add the next value." for i in range(1, 60)), "invalid:too_long"),
        ("?? !! @@ 12 34 56 78 90 ^^ ~ ?? !! @@ 11 22 33 ;; Mean of values", "invalid:not_prose"),
        ("<one-line summary>\nParameters:\n- <name>: <meaning>\nReturns: <what it returns>\nBehavior:\n1. <step>", "invalid:template"),
        (DOC + "\n3. <step>", "invalid:template"),
        ('{"summary": "Compute the mean of a list.", "returns": "the mean", "behavior": ["Divide the sum by the count."]}', "invalid:structured"),
        ("Compute the mean.\nBehavior:\n" + "\n".join(f"{i}. Add the values again." for i in range(1, 8)), "invalid:repetitive"),
        (DOC[DOC.index("Parameters:") :], "invalid:missing_summary"),
        (NO_RETURNS.split("Behavior:")[0] + "Returns: the mean as a float", "invalid:missing_behavior"),
        (DOC.split("Behavior:")[0] + "Behavior: none", "invalid:missing_behavior"),
        (DOC + "\nBehavior:\n1. Return the mean.", "invalid:duplicate_section"),
    ],
)
def test_unusable_documentation_scores_zero(doc, reason):
    result = score(doc)
    assert (result.score, result.reason) == (0.0, reason)
    assert not result.valid


def test_length_limits_are_configurable():
    assert score(DOC, DocFilterConfig(max_chars=len(DOC) - 1)).reason == "invalid:too_long"
    assert score(DOC, DocFilterConfig(max_chars=len(DOC))).reason == "ok"
    assert score(DOC, DocFilterConfig(max_lines=len(DOC.splitlines()) - 1)).reason == "invalid:too_long"


def test_repeating_the_original_docstring_is_not_a_leak():
    doc = render_doc("Arithmetic mean.", ["Return the arithmetic mean of the values."], [("values", "the numbers")], "the mean")
    assert score(doc).reason == "ok"


@pytest.mark.parametrize("field,value", [("max_chars", 0), ("max_alignment", -1.0), ("min_letter_ratio", 1.5)])
def test_config_rejects_bad_thresholds(field, value):
    with pytest.raises(ValueError, match=field):
        DocFilterConfig(**{field: value})


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown language"):
        check(DOC, CODE, "cobol")


def test_doc_comment_markup_is_prose():
    doc = render_doc(
        "Convert <code>text</code> to upper case.",
        ["Upper-case every letter of +text+ and return the copy."],
        [("text", "the <tt>String</tt> to convert")],
        "a new String",
    )
    code = "def shout(text)\n  text.upcase\nend\n"
    assert check(doc, code, "ruby") == DocCheck(1.0, doc, "ok")
