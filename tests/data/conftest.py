import textwrap
from pathlib import Path

import pytest

from batcoder.data import CorpusConfig, FunctionFilters, SourceOptions, build_corpus, read_corpus


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _python_function(name: str, operation: str = "+") -> str:
    return textwrap.dedent(
        f"""
        def {name}(values, limit):
            {name}_total = 0
            for {name}_item in values:
                if {name}_item > limit:
                    {name}_total = {name}_total {operation} {name}_item * {len(name)}
            return {name}_total
        """
    )


@pytest.fixture
def write():
    """write(path, text): create a file (and its parents) with dedented text."""
    return _write


@pytest.fixture
def function_source():
    """function_source(name, operation="+"): a distinct filter-passing Python function (6 lines)."""
    return _python_function


@pytest.fixture
def build(tmp_path):
    """Build in-process (workers=1, no progress bar) into tmp_path/out/corpus.jsonl; returns (stats, rows)."""

    def run(sources, *, filters=None, sources_options=None, **config):
        output = tmp_path / "out" / "corpus.jsonl"
        settings = CorpusConfig(
            language=config.pop("language", "python"),
            filters=filters or FunctionFilters(),
            sources=sources_options or SourceOptions(),
            workers=config.pop("workers", 1),
            progress=False,
            **config,
        )
        stats = build_corpus([str(source) for source in sources], output, settings)
        return stats, list(read_corpus(output))

    return run
