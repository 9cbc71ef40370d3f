"""The benchmark scripts are run by hand, so nothing else notices when one of them stops importing
(a renamed function) or parsing its arguments."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_every_bench_script_imports_and_parses_its_arguments(script):
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout


def test_rerank_world_reads_overrides_written_after_the_seeds():
    import importlib.util

    spec = importlib.util.spec_from_file_location("rerank_world", BENCH / "rerank_world.py")
    rerank_world = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rerank_world)
    options = ["--world", "w", "--model", "m", "--config", "c.yaml", "--output", "o"]
    args = rerank_world.parse_arguments([*options, "--seeds", "0", "2", "iterate.rounds=0", "reranker.model.execution_inputs=4"])
    assert args.seeds == [0, 2]
    assert args.overrides == ["iterate.rounds=0", "reranker.model.execution_inputs=4"]
    assert rerank_world.parse_arguments(["a=1", *options]).seeds == [0, 1, 2]
    with pytest.raises(SystemExit):
        rerank_world.parse_arguments([*options, "--seeds", "zero"])
