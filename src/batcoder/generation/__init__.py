"""Generation: the engine protocol, :class:`Completion`, the engine registry and model loading.

Every module here that defines ``ENGINE`` is an engine, selected by its ``name`` (``rollout.backend``
in a config). The rollout, evaluation, synthesis and documentation commands sample through this
package only, so a faster engine is one new file.
"""

from __future__ import annotations

from functools import cache

from batcoder.generation.base import Completion, GenerationBackend, finish_completion
from batcoder.registry import discover, unknown_choice


@cache
def _registry() -> dict[str, type]:
    return discover(__name__, "ENGINE", lambda engine: isinstance(engine, type) and hasattr(engine, "generate"))


def available_backends(training: bool = False) -> list[str]:
    """Engine names; with ``training``, only those that sample from the trainer's own weights
    (``vllm-server`` holds its own and cannot follow the updates)."""
    return sorted(name for name, engine in _registry().items() if not training or getattr(engine, "shares_policy_weights", True))


def get_backend(name: str, **kwargs) -> GenerationBackend:
    """Construct the engine called ``name`` (e.g. ``get_backend("hf", model=m, tokenizer=t)``)."""
    engine = _registry().get(name)
    if engine is None:
        raise ValueError(unknown_choice("generation backend", name, available_backends()))
    return engine(**kwargs)


def load_generation_backend(model: str, device: str | None, batch_size: int, backend: str = "hf", **engine_options):
    """``(backend, tokenizer)`` over the model a ``--model`` argument names; a model that cannot be
    loaded is a one-line error naming it. An engine that holds its own weights (``vllm-server``)
    gets the tokenizer only."""
    from batcoder.errors import UserError, first_line
    from batcoder.models import load_model

    engine = _registry().get(backend)
    if engine is None:
        raise UserError(unknown_choice("generation backend", backend, available_backends()))
    try:
        if getattr(engine, "shares_policy_weights", True):
            loaded, tokenizer = load_model(model, device=device)
        else:
            from transformers import AutoTokenizer

            loaded, tokenizer = None, AutoTokenizer.from_pretrained(model)
    except (OSError, ValueError) as error:  # missing/unreadable model directory or hub id unavailable offline
        raise UserError(f"--model {model}: cannot load: {first_line(error)}") from None
    return engine(model=loaded, tokenizer=tokenizer, batch_size=batch_size, **engine_options), tokenizer


__all__ = ["Completion", "GenerationBackend", "available_backends", "finish_completion", "get_backend", "load_generation_backend"]
