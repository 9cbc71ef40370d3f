import pytest

from batcoder.languages import Language, available_languages, get_language, language_for_path


def test_all_five_languages_are_registered():
    assert {"python", "ruby", "go", "javascript", "java"} <= set(available_languages())
    for name in available_languages():
        language = get_language(name)
        assert isinstance(language, Language) and language.name == name


def test_lookup_is_case_insensitive_and_returns_the_same_instance():
    assert get_language("Python") is get_language("python")


def test_unknown_language_is_a_one_line_error_listing_the_choices():
    with pytest.raises(ValueError) as error:
        get_language("cobol")
    message = str(error.value)
    assert "\n" not in message
    assert "'cobol'" in message and "python" in message and "java" in message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pkg/module.py", "python"),
        ("lib/tasks.rb", "ruby"),
        ("cmd/main.go", "go"),
        ("src/app.js", "javascript"),
        ("src/app.mjs", "javascript"),
        ("src/Main.java", "java"),
        ("SRC/UPPER.PY", "python"),
    ],
)
def test_language_for_path(path, expected):
    assert language_for_path(path).name == expected


def test_language_for_unknown_path_is_none():
    assert language_for_path("README.md") is None
    assert language_for_path("Makefile") is None


def test_extensions_are_not_shared():
    seen = {}
    for name in available_languages():
        for extension in get_language(name).extensions:
            assert extension.startswith(".") and extension == extension.lower()
            assert seen.setdefault(extension, name) == name
