"""The code world: a seeded, procedurally generated family of small functions over lists of
integers, strings and integers, each rendered as Python, Ruby and Go with the same semantics, with a
reference documentation in :data:`batcoder.prompts.DOC_FORMAT` and tests. See docs/world.md.

Public API (stable; other parts of batcoder build on it)::

    from batcoder.world import WorldConfig, generate_world, build_world, load_benchmark_world

    config = WorldConfig(seed=1234)                  # sizes: pretrain_python/ruby/go/parallel, rl, benchmark
    config = world_config(seed, "small", rl=500)     # a size preset ("tiny", "small", "default", "large") + overrides
    world = generate_world(config)                   # World: .benchmark, .pretrain[language], .rl (WorldProgram lists)
    summary = build_world("out/world", seed, "small")    # writes the files below, returns world.json's content

Files ``batcoder world build --seed S --output DIR [--size ...]`` writes (``build_world``):

* ``pretrain.jsonl``: corpus rows (``batcoder data build``'s schema: code, language, name, path,
  start_line, end_line, sha256, split = train/valid; plus program_id, skeleton, depth). Python rows
  are documented: ``documentation`` (the reference documentation, which ``batcoder sft`` reads),
  ``prompt`` (signature + docstring, as the benchmark shows it) and ``solution`` (the body), so
  ``prompt + solution`` is a documented function in the benchmark's own format. Ruby and Go rows
  are code only, and other programs than the Python ones. With ``pretrain_parallel`` > 0, parallel
  code follows: each such program's three renderings as consecutive code-only rows sharing
  ``parallel`` (the program id) and one split, which pretraining joins into one document -- the
  translated code real corpora hold, never documentation in Ruby or Go.
* ``rl.jsonl``: corpus rows, code only (no documentation anywhere), every program in all three
  languages (select one with the trainer's ``data.language``).
* ``benchmark-python.jsonl`` (HumanEval schema: task_id, prompt, canonical_solution, test,
  entry_point), ``benchmark-ruby.jsonl`` and ``benchmark-go.jsonl`` (MultiPL-E schema: name,
  language, prompt, tests, stop_tokens; plus canonical_solution): held-out programs, one task id
  across the three languages.
* ``world.json``: seed, sizes, row counts, the decontamination check's counts.

``batcoder evaluate --benchmark world:python`` (``:ruby``, ``:go``) runs the benchmark of the default
seed generated on the fly, or ``--data DIR/benchmark-ruby.jsonl`` a written one
(:mod:`batcoder.eval.world`). The ``exec`` similarity metric uses :mod:`batcoder.world.values` for its
inputs.

Modules: ``primitives`` (the steps and their code/wording), ``program`` (a program and its renderings),
``generate`` (sampling, documentation, tests, splits), ``values`` (type-directed inputs, literals),
``decontamination`` (the held-out check), ``export`` (rows and files), ``cli``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from batcoder.world.generate import (
    DEFAULT_SEED, SIZES, World, WorldConfig, WorldProgram, generate_benchmark, generate_world,
)  # fmt: skip
from batcoder.world.program import LANGUAGES, Program, render


def world_config(seed: int = DEFAULT_SEED, size: str = "default", **overrides) -> WorldConfig:
    """The configuration of a size preset (:data:`SIZES`), with explicit counts overriding it."""
    if size not in SIZES:
        raise ValueError(f"unknown world size {size!r}; available: {', '.join(SIZES)}")
    return replace(WorldConfig(seed=seed), **{**SIZES[size], **overrides})


def build_world(output: str | Path, seed: int = DEFAULT_SEED, size: str = "default", progress: bool = True,
                **overrides) -> dict:
    """Generate the world and write its files into ``output`` (see the module docstring)."""
    from batcoder.world import decontamination
    from batcoder.world.export import write_world

    world = generate_world(world_config(seed, size, **overrides), progress=progress)
    report = decontamination.check(world)
    if any(report[key] for key in ("same_skeleton", "same_code_renamed", "same_behaviour")):
        raise RuntimeError(f"world {seed}: held-out programs leaked into training: {report}")
    return write_world(world, Path(output), report)


__all__ = [
    "DEFAULT_SEED",
    "LANGUAGES",
    "Program",
    "SIZES",
    "World",
    "WorldConfig",
    "WorldProgram",
    "build_world",
    "generate_benchmark",
    "generate_world",
    "render",
    "world_config",
]
