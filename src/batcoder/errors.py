"""The one exception type users see: an error caused by their input or configuration.

The CLI prints it as one line (``batcoder: error: ...``) and exits with status 2; the library raises
it wherever bad input is detected, naming the file, line or config key.
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input or configuration: printed as one line, exit status 2."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message (its type name when it has none)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
