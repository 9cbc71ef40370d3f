"""bench/gpu_step.py --dry-run: the GPU benchmark's whole path (stdlib corpus, random model of a
given shape, engines, two RL steps with every documentation accepted, the table) runs on CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_gpu_bench_dry_run_prints_its_table(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2"}
    result = subprocess.run([sys.executable, str(REPO / "bench" / "gpu_step.py"), "--dry-run", "--output", str(tmp_path / "t.json")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for row in ("measured matmul rate", "generation, engine hf ", "step 2: update MFU", "step 2: reward share", "step 2: peak memory"):
        assert row in result.stdout, row
    table = json.loads((tmp_path / "t.json").read_text())
    steps = table["steps"]
    assert len(steps) == 2 and all(step["update/forward_tokens"] > 0 for step in steps)
    # every documentation accepted: the doc->code stage generated and was scored
    assert all(step["reward/doc2code/n"] > 0 for step in steps)
    assert set(table["engines"]) >= {"hf"} and all(rate > 0 for rate in table["engines"].values())
