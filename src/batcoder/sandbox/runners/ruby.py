"""Ruby: test/unit (MultiPL-E's choice) and minitest normally run their tests from an ``at_exit``
hook. The epilogue turns autorun off, runs the tests explicitly, prints the marker only if they
passed and leaves with ``exit!`` so no later hook can interfere. A program without a test framework
passes when it reaches the end (its own ``raise``/``exit`` before that means no marker)."""

from __future__ import annotations

from batcoder.languages import get_language
from batcoder.sandbox.runners.base import Job, Runner

EPILOGUE = """

# batcoder: run the tests now, then print the marker only if they passed
__batcoder_passed =
  if defined?(Test::Unit::AutoRunner)
    Test::Unit::AutoRunner.need_auto_run = false
    Test::Unit::AutoRunner.run == true
  elsif defined?(Minitest) && Minitest.respond_to?(:run)
    Minitest.run([]) == true
  else
    true
  end
$stdout.flush
$stderr.flush
STDOUT.syswrite("\\n{marker}\\n") if __batcoder_passed
exit!(__batcoder_passed ? 0 : 1)
"""


class RubyRunner(Runner):
    language = "ruby"

    def prepare(self, program: str, marker: str) -> Job:
        language = get_language(self.language)
        files = language.program_files(program.rstrip("\n") + EPILOGUE.replace("{marker}", marker))
        return Job(files=files, argv=language.run_argv(), main_file=language.runtime.main_file)


RUNNER = RubyRunner()
