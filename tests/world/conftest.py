import pytest

from batcoder.world import generate_world, world_config


@pytest.fixture(scope="session")
def tiny_world():
    return generate_world(world_config(7, "tiny"))
