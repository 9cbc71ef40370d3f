"""Unlabeled-code corpora: build one from source trees, JSONL or datasets, and read it back.

Names are imported lazily so that ``batcoder --help`` (which imports ``batcoder.data.cli``) stays fast.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CorpusConfig": "batcoder.data.build",
    "CorpusStats": "batcoder.data.build",
    "build_corpus": "batcoder.data.build",
    "stats_path": "batcoder.data.build",
    "CorpusError": "batcoder.data.errors",
    "FunctionFilters": "batcoder.data.filters",
    "read_corpus": "batcoder.data.jsonl",
    "SourceOptions": "batcoder.data.sources",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
