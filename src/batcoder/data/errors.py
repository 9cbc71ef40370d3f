"""The corpus builder's error type: a one-line message about bad input or configuration."""

from batcoder.errors import UserError


class CorpusError(UserError):
    """Bad sources, options or data; the message names the file, line or option at fault."""
