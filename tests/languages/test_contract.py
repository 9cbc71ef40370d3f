"""Properties every registered language must have, checked on one tricky sample per language."""

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from batcoder.languages import available_languages, get_language, walk

SAMPLES = {
    "python": '''\
"""Module doc."""
# comment
def f(a):  # why
    """Doc with # and // inside."""
    s = "# kept" + '// kept'
    return s  # done
''',
    "ruby": '''\
# doc
def f(a) # why
  s = "# kept" + '// kept'
  s # done
end
''',
    "go": '''\
package p

// F is documented.
func F(a int) string { // why
	s := "// kept" + `/* kept */` + "# kept"
	return s /* done */
}
''',
    "javascript": '''\
/** Doc. */
function f(a) { // why
  const s = "// kept" + '/* kept */' + `# kept`;
  return s; /* done */
}
''',
    "java": '''\
class P {
    /** Doc. */
    static String f(int a) { // why
        String s = "// kept" + "/* kept */" + "# kept";
        return s; /* done */
    }
}
''',
}

LANGUAGES = available_languages()


def test_every_language_has_a_sample():
    assert set(LANGUAGES) <= set(SAMPLES)


@pytest.fixture(params=LANGUAGES)
def language(request):
    return get_language(request.param)


def test_required_attributes(language):
    assert language.extensions and language.line_comment
    assert language.stop_sequences and all(stop for stop in language.stop_sequences)
    assert language.runtime.executables and language.runtime.main_file
    argv = language.run_argv()
    assert argv[0] in language.runtime.executables
    assert language.runtime.main_file in language.program_files("x")


def test_role_node_types_exist_in_the_grammar(language):
    grammar = language.ts_language
    for field in dataclasses.fields(language.roles):
        for entry in getattr(language.roles, field.name):
            node_type, _, field_name = entry.partition(".")
            assert grammar.id_for_node_kind(node_type, True) is not None, f"{field.name}: {node_type}"
            if field_name:
                assert grammar.field_id_for_name(field_name) is not None, f"{field.name}: {entry}"
    assert language.roles.function and language.roles.comment and language.roles.identifier


def test_sample_is_valid_and_documented(language):
    source = SAMPLES[language.name]
    assert language.is_valid(source)
    functions = language.functions(source)
    assert len(functions) == 1 and functions[0].docstring


def test_function_spans_match_the_source(language):
    lines = SAMPLES[language.name].splitlines()
    for function in language.functions(SAMPLES[language.name]):
        code_lines = function.code.splitlines()
        assert len(code_lines) == function.end_line - function.start_line + 1
        assert lines[function.start_line - 1].strip().startswith(code_lines[0].strip())
        assert lines[function.end_line - 1].strip().endswith(code_lines[-1].strip())
        assert function.code.startswith(function.signature)
        assert function.body.splitlines()[0] in function.code  # the body is dedented on its own


def test_strip_leaves_no_comment_node_and_keeps_strings(language):
    stripped = language.strip_comments(SAMPLES[language.name])
    assert language.is_valid(stripped)
    assert [node.type for node in walk(language.parse(stripped).root_node) if node.type in language.roles.comment] == []
    assert all(function.docstring is None for function in language.functions(stripped))
    assert stripped.count("kept") == SAMPLES[language.name].count("kept")
    assert "why" not in stripped and "done" not in stripped
    assert all(line == line.rstrip() for line in stripped.splitlines())
    assert stripped.count("\n\n") == SAMPLES[language.name].count("\n\n")  # no gap where comments were
    assert language.strip_comments(stripped) == stripped


def test_empty_and_garbage_input_do_not_crash(language):
    assert language.functions("") == []
    assert language.strip_comments("") == ""
    garbage = "}{ )( def func class <<< \x00 /* # \n"
    assert isinstance(language.strip_comments(garbage), str)
    assert isinstance(language.functions(garbage), list)
    assert not language.is_valid(garbage)


def test_parsers_are_safe_across_threads(language):
    source = SAMPLES[language.name] * 20
    expected = [language.strip_comments(source)] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(language.strip_comments, [source] * 8)) == expected


HELLO = {
    "python": 'print("hello")\n',
    "ruby": 'puts "hello"\n',
    "go": 'package main\n\nimport (\n\t"fmt"\n\t"testing"\n)\n\n'
    'func TestHello(t *testing.T) { fmt.Println("hello") }\n',
    "javascript": 'console.log("hello");\n',
    "java": 'public class Main {\n    public static void main(String[] args) { System.out.println("hello"); }\n}\n',
}


def test_runtime_runs_a_program(language, tmp_path):
    if any(shutil.which(executable) is None for executable in language.runtime.executables):
        pytest.skip(f"{language.name} runtime not installed")
    for name, content in language.program_files(HELLO[language.name]).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    argv = language.run_argv()
    if argv[0] == "python3":
        argv = [sys.executable, *argv[1:]]
    # Go runs the work directory as a GOPATH-mode package, with no go.mod (as the sandbox does).
    env = {**os.environ, "GO111MODULE": "off"}
    result = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hello" in result.stdout


MEMBER_ONLY = {"javascript": "get size() { return this.n; }", "java": "public Box(int n) { this.n = n; }"}


@pytest.mark.parametrize("name", sorted(MEMBER_ONLY))
def test_class_members_are_valid_snippets_and_strip_inside_their_wrapper(name):
    language = get_language(name)
    member = MEMBER_ONLY[name]
    assert language.parse(member).root_node.has_error  # not a program on its own
    tree, source = language.parse_snippet(member)
    assert not tree.root_node.has_error and member.encode() in source
    assert language.is_valid(member)
    assert language.strip_comments("/** doc */\n" + member + " // end\n") == member + "\n"


def test_parse_snippet_leaves_programs_alone(language):
    tree, source = language.parse_snippet(SAMPLES[language.name])
    assert source == SAMPLES[language.name].encode() and not tree.root_node.has_error
    assert language.is_valid(SAMPLES[language.name] + "\n}}}") is False


def _rich_source(language_name):
    """The ``SOURCE`` of this language's own test module (the richest sample of each language)."""
    path = Path(__file__).with_name(f"test_{language_name}.py")
    spec = importlib.util.spec_from_file_location(f"_{language_name}_sample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SOURCE


def test_every_extracted_function_stays_valid_after_stripping(language):
    functions = language.functions(_rich_source(language.name))
    assert functions
    for function in functions:
        assert language.is_valid(function.code), function.name
        assert language.is_valid(language.strip_comments(function.code)), function.name
