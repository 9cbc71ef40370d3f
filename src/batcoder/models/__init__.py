"""Models: load/save any Hugging Face causal LM (optionally with LoRA), build the tiny CPU model,
and turn chat messages into prompt text.

Importing this package is cheap: torch and transformers are imported when a function is first used,
so ``batcoder --help`` stays fast.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "LoraSettings": "batcoder.models.loading",
    "load_model": "batcoder.models.loading",
    "save_model": "batcoder.models.loading",
    "init_tiny": "batcoder.models.tiny",
    "render_prompt": "batcoder.models.prompting",
    "encode_prompt": "batcoder.models.prompting",
    "PLAIN_TEMPLATE_ROLES": "batcoder.models.prompting",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'batcoder.models' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
