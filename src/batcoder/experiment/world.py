"""The experiment's code world: built once into ``output_dir/world`` by :func:`batcoder.world.build_world`
and reused while its settings stay the same."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from batcoder.errors import UserError


@dataclass(frozen=True)
class WorldFiles:
    directory: Path

    @property
    def pretrain_corpus(self) -> Path:
        return self.directory / "pretrain.jsonl"

    @property
    def rl_corpus(self) -> Path:
        """Code only, every program in all three languages; its ``valid`` split is the held-out
        back-translation set (programs the RL never trains on)."""
        return self.directory / "rl.jsonl"

    def benchmark_file(self, language: str) -> Path:
        return self.directory / f"benchmark-{language}.jsonl"


def prepare_world(settings: dict, directory: Path, *, progress: bool = True) -> WorldFiles:
    """The world ``settings`` describe (``seed``, ``size`` and program counts, as ``batcoder world
    build`` takes them) in ``directory``: built there, or reused when it was built with the same settings."""
    from batcoder.world import DEFAULT_SEED, build_world, world_config

    settings = dict(settings)
    seed, size = settings.pop("seed", DEFAULT_SEED), settings.pop("size", "default")
    try:
        wanted = asdict(world_config(seed, size, **settings))
    except (TypeError, ValueError) as error:
        raise UserError(f"config key 'world': {error}") from None
    summary_path = directory / "world.json"
    if summary_path.is_file():
        built = json.loads(summary_path.read_text(encoding="utf-8"))["config"]
        if built != wanted:
            raise UserError(f"{directory} holds another world ({built}); choose another output_dir")
    else:
        build_world(directory, seed, size, progress=progress, **settings)
    return WorldFiles(directory)
