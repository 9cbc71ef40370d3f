import shutil
import subprocess

import pytest

from batcoder.languages import get_language, walk

JS = get_language("javascript")

SOURCE = '''\
#!/usr/bin/env node
/**
 * Adds two numbers.
 * @param {number} a
 */
export function add(a, b) { return a + b; } // trailing
const square = (x) => x * x;
const cube = x => x ** 3, answer = 42;
// A line comment is not JSDoc.
let greet = function named() { return "// not a comment"; };
obj.later = async () => { await null; };
const tools = { helper() { return 1; }, 'quoted': function () {}, arrow: () => 2 };
/** Shape doc (belongs to the class) */
class Shape extends Base {
  /** Makes a shape. */
  constructor(size) { super(); this.size = size; /* inline */ }
  static *corners() { yield `template
  // not a comment   
  `; }
  get area() { return /a\\/\\/b/.test("x") ? 1 : 0; }
  #scale = (k) => this.size * k;
  resize(k) {
    function clamp(v) { return Math.max(0, v); }
    const half = (v) => v / 2;
    return clamp(half(k));
  }
}
function* counter() { yield 1; }
Shape.prototype.legacy = function () { return 0; };
module.exports.identity = x => x;
[1].map(function callback(x) { return x; });
setTimeout(() => 1);
'''


def by_name(source=SOURCE):
    return {function.name: function for function in JS.functions(source)}


def test_declarations_expressions_and_arrows_named_from_their_binding():
    functions = by_name()
    assert sorted(functions) == sorted(
        [
            "add", "square", "cube", "greet", "later", "helper", "quoted", "arrow", "constructor",
            "corners", "area", "#scale", "resize", "clamp", "half", "counter", "legacy", "identity",
        ]
    )
    assert functions["square"].kind == "arrow" and functions["cube"].kind == "arrow"
    assert functions["greet"].kind == "function"  # named from the declarator, not "named"
    assert functions["counter"].kind == "generator"
    assert (functions["later"].container, functions["later"].kind) == ("obj", "arrow")
    assert functions["legacy"].container == "Shape"  # Shape.prototype.legacy
    assert functions["identity"].container == "module.exports"


def test_unbound_function_values_are_not_definitions():
    names = set(by_name())
    assert "callback" not in names and "named" not in names


def test_class_and_object_methods():
    functions = by_name()
    assert (functions["constructor"].kind, functions["constructor"].container) == ("constructor", "Shape")
    assert (functions["corners"].kind, functions["area"].kind) == ("generator_method", "getter")
    assert (functions["resize"].kind, functions["resize"].container) == ("method", "Shape")
    assert (functions["#scale"].kind, functions["#scale"].container) == ("arrow", "Shape")
    assert (functions["helper"].container, functions["quoted"].container) == ("tools", "tools")


def test_nested_functions():
    functions = by_name()
    assert functions["clamp"].nested and functions["half"].nested
    assert not functions["resize"].nested and not functions["add"].nested


def test_spans_signature_and_body():
    functions = by_name()
    add = functions["add"]
    assert (add.start_line, add.end_line) == (6, 6)
    assert add.code == "export function add(a, b) { return a + b; }"
    assert (add.signature, add.body) == ("export function add(a, b)", "{ return a + b; }")
    square = functions["square"]
    assert square.code == "const square = (x) => x * x;"
    assert (square.signature, square.body) == ("const square = (x) =>", "x * x")
    assert functions["cube"].code == "cube = x => x ** 3"  # one of several declarators
    resize = functions["resize"]
    assert resize.code.startswith("resize(k) {\n  function clamp(v)") and resize.code.endswith("\n}")
    assert (resize.start_line, resize.end_line) == (22, 26)


def test_jsdoc():
    functions = by_name()
    assert functions["add"].docstring == "Adds two numbers.\n@param {number} a"
    assert functions["constructor"].docstring == "Makes a shape."
    assert functions["greet"].docstring is None  # a line comment above
    assert functions["square"].docstring is None


def test_strip_removes_comments_and_keeps_literals():
    stripped = JS.strip_comments(SOURCE)
    assert JS.is_valid(stripped)
    assert [node for node in walk(JS.parse(stripped).root_node) if node.type in JS.roles.comment] == []
    assert 'return "// not a comment";' in stripped
    assert "yield `template\n  // not a comment   \n  `;" in stripped
    assert "/a\\/\\/b/.test" in stripped
    assert "constructor(size) { super(); this.size = size; }" in stripped
    assert all(function.docstring is None for function in JS.functions(stripped))
    assert JS.strip_comments(stripped) == stripped


def test_strip_never_glues_tokens():
    assert JS.strip_comments("let a = b/**/in c;\n") == "let a = b in c;\n"
    stripped = JS.strip_comments("let x = 1 /* a\nb */ let y = 2;\n")
    assert JS.is_valid(stripped) and "x = 1\n" in stripped


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_stripped_code_is_accepted_by_node(tmp_path):
    path = tmp_path / "stripped.mjs"
    path.write_text(JS.strip_comments(SOURCE.replace("#!/usr/bin/env node\n", "")))
    result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_language_facts():
    assert ".js" in JS.extensions and ".mjs" in JS.extensions
    assert JS.run_argv()[0] == "node"
    assert "\nfunction " in JS.stop_sequences


def test_decorated_class_method_includes_its_decorator():
    (method,) = JS.functions("class A {\n  @memoize\n  total() { return 1; }\n}\n")
    assert (method.name, method.start_line, method.container) == ("total", 2, "A")
    assert method.code == "@memoize\ntotal() { return 1; }"
    assert JS.is_valid(method.code)
