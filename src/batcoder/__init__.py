"""batcoder: improve code language models from unlabeled code."""

__version__ = "0.1.0"
