"""Every shipped experiment config loads, and its world section names only WorldConfig fields."""

from pathlib import Path

import pytest

from batcoder.experiment.config import load_experiment_config
from batcoder.world import DEFAULT_SEED, world_config

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs" / "experiments").glob("*.yaml"))


def test_there_are_experiment_configs():
    assert {"smoke.yaml", "paper-cpu.yaml", "quickstart.yaml"} <= {path.name for path in CONFIGS}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.name)
def test_experiment_config_loads_with_a_valid_world(path):
    config = load_experiment_config(path)
    settings = dict(config.world)
    world = world_config(settings.pop("seed", DEFAULT_SEED), settings.pop("size", "default"), **settings)
    assert world.seed == config.world.get("seed", DEFAULT_SEED)
