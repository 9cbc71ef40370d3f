"""The runner interface and the job it produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from batcoder.languages import get_language
from batcoder.sandbox.isolation import Mount


@dataclass(frozen=True)
class Job:
    """One program, ready for a sandbox worker."""

    files: dict[str, str]  # written into the job's fresh working directory
    argv: list[str]  # the command run there
    main_file: str  # the file holding the program
    env: dict[str, str] = field(default_factory=dict)  # added to PATH/HOME/LANG/TMPDIR; nothing else is inherited
    inline_python: bool = False  # run main_file in a fork of the worker's interpreter instead of exec'ing argv


class Runner:
    """Base class; ``language`` names the entry in :mod:`batcoder.languages` whose runtime is used."""

    language: str

    def prepare(self, program: str, marker: str) -> Job:
        """The job that runs ``program`` and prints ``marker`` on its own line only if its tests passed."""
        raise NotImplementedError

    def warm_up(self) -> str | None:
        """A program to run once, with a generous timeout, before this language's first real job
        (e.g. to fill a build cache), or None when the runner is ready."""
        return None

    def mark_warm(self) -> None:
        """Called after the warm-up program passed."""

    def mounts(self) -> list[Mount]:
        """Persistent host directories every sandbox needs for this language (e.g. build caches)."""
        return []

    def executables(self) -> tuple[str, ...]:
        return get_language(self.language).runtime.executables
