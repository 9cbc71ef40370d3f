import shutil
import subprocess

import pytest

from batcoder.languages import get_language, walk

RB = get_language("ruby")

SOURCE = '''\
#!/usr/bin/env ruby
# frozen_string_literal: true

# Module documentation, not a method's.
module Geometry::Shapes
  # Builds a shape.
  #   with an indented detail
  def self.build(kind, size = 1) # trailing remark
    new(kind, size) # a call
  end

=begin
Area of the shape.
=end
  def area
    label = "#{@kind} # not a comment" + '// nor this'
    label.size
  end

  class << self
    def registry
      @registry ||= {}
    end
  end

  [1, 2].each do |factor|
    def scaled(x) = x * 2
  end

  DOUBLE = ->(x) { x * 2 }
  SQUARE = lambda { |x| x * x }

  text = <<~EOS
    # heredoc line, not a comment   

  EOS

  def obj.helper() = 3

  # separated by a blank line from the def below

  def outer
    def inner
      1
    end
    yield
  rescue StandardError => e
    e
  end

  def empty; end
end
__END__
# data section
'''


def by_name(source=SOURCE):
    return {function.name: function for function in RB.functions(source)}


def test_finds_defs_singleton_methods_and_defs_inside_blocks():
    functions = by_name()
    assert sorted(functions) == ["area", "build", "helper", "inner", "outer", "registry", "scaled"]
    assert functions["build"].kind == "singleton_method"
    assert functions["helper"].kind == "singleton_method"
    assert functions["registry"].kind == "singleton_method"  # inside class << self
    assert functions["area"].kind == "method"
    assert all(function.container == "Geometry::Shapes" for name, function in functions.items() if name != "inner")


def test_blocks_and_lambdas_are_not_functions_and_empty_methods_are_skipped():
    names = [function.name for function in RB.functions(SOURCE)]
    assert "DOUBLE" not in names and "SQUARE" not in names and "each" not in names
    assert "empty" not in names
    assert RB.functions("[1].map { |x| x + 1 }\nf = proc { 1 }\n") == []


def test_nested_defs():
    functions = by_name()
    inner = functions["inner"]
    assert (inner.nested, inner.container, inner.kind) == (True, None, "function")
    assert functions["outer"].nested is False
    assert functions["scaled"].nested is False  # a block is not a function


def test_spans_signature_and_body():
    build = by_name()["build"]
    assert (build.start_line, build.end_line) == (8, 10)
    assert build.code == "def self.build(kind, size = 1) # trailing remark\n  new(kind, size) # a call\nend"
    assert build.signature == "def self.build(kind, size = 1) # trailing remark"
    assert build.body == "new(kind, size) # a call"
    outer = by_name()["outer"]
    assert outer.code.splitlines()[-1] == "end" and "rescue StandardError => e" in outer.code
    scaled = by_name()["scaled"]
    assert (scaled.signature, scaled.body) == ("def scaled(x) =", "x * 2")


def test_docstrings_from_comment_blocks():
    functions = by_name()
    assert functions["build"].docstring == "Builds a shape.\n  with an indented detail"
    assert functions["area"].docstring == "Area of the shape."
    assert functions["outer"].docstring is None  # blank line between comment and def
    assert functions["registry"].docstring is None
    trailing = "x = 1 # belongs to x\ndef f\n  1\nend\n"
    assert RB.functions(trailing)[0].docstring is None


def test_strip_removes_comments_keeps_strings_heredocs_and_data():
    stripped = RB.strip_comments(SOURCE)
    assert RB.is_valid(stripped)
    assert [node for node in walk(RB.parse(stripped).root_node) if node.type == "comment"] == []
    assert "=begin" not in stripped and "#!/usr" not in stripped and "frozen_string_literal" not in stripped
    assert '"#{@kind} # not a comment" + \'// nor this\'' in stripped
    assert "    # heredoc line, not a comment   \n\n  EOS" in stripped
    assert stripped.endswith("__END__\n# data section\n")
    assert all(function.docstring is None for function in RB.functions(stripped))
    assert RB.strip_comments(stripped) == stripped


def test_strip_exact_output():
    code = "# doc\ndef f(a) # why\n  # step\n  a + 1   \nend\n"
    assert RB.strip_comments(code) == "def f(a)\n  a + 1\nend\n"


@pytest.mark.skipif(shutil.which("ruby") is None, reason="ruby not installed")
def test_stripped_code_is_accepted_by_ruby(tmp_path):
    path = tmp_path / "stripped.rb"
    path.write_text(RB.strip_comments(SOURCE))
    result = subprocess.run(["ruby", "-c", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_language_facts():
    assert RB.extensions == (".rb",)
    assert RB.run_argv()[0] == "ruby"
    assert "\ndef" in RB.stop_sequences
    assert {"method", "singleton_method"} <= RB.roles.function
