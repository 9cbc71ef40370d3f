"""The runner interface and the job it produces."""

from __future__ import annotations

from dataclasses import dataclass, field

from batcoder.languages import get_language


@dataclass(frozen=True)
class Job:
    """One program, ready for a sandbox worker."""

    files: dict[str, str]  # written into the job's fresh working directory
    argv: list[str]  # the command run there
    main_file: str  # the file holding the program
    env: dict[str, str] = field(default_factory=dict)  # added to PATH/HOME/LANG/TMPDIR; nothing else is inherited
    inline_python: bool = False  # run main_file in a fork of the worker's interpreter instead of exec'ing argv
    build_cache: str | None = None  # the runner's build cache is open as fd 3 (argv must close it before running code)


class Runner:
    """Base class; ``language`` names the entry in :mod:`batcoder.languages` whose runtime is used."""

    language: str
    # Name of a persistent build cache shared by all sandboxes (isolation.shared_cache_dir), or None.
    # It is never mounted: the job gets it as an open directory descriptor, so the runner's argv can
    # give it to the (trusted) build step and close it before the program's own code runs.
    build_cache: str | None = None

    def prepare(self, program: str, marker: str) -> Job:
        """The job that runs ``program`` and prints ``marker`` on its own line only if its tests passed."""
        raise NotImplementedError

    def warm_up(self) -> str | None:
        """A program to run once, with a generous timeout, before this language's first real job
        (e.g. to fill a build cache), or None when the runner is ready."""
        return None

    def mark_warm(self) -> None:
        """Called after the warm-up program passed."""

    def executables(self) -> tuple[str, ...]:
        return get_language(self.language).runtime.executables
