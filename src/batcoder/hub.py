"""Names that may be Hugging Face hub ids, and failing at once when the hub cannot answer.

A missing model or dataset used to cost 25-60 s of hub retries before its error. Here a name that can
only be a local path is reported as missing at once, and when the machine is offline (``HF_HUB_OFFLINE``
set, or the hub's endpoint refuses a connection within :data:`PROBE_TIMEOUT_S`) the libraries are put in
offline mode for the call, so that they answer from the local cache or fail immediately.
"""

from __future__ import annotations

import contextlib
import socket
from functools import cache
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

PROBE_TIMEOUT_S = 2.0


def looks_like_local_path(name: str) -> bool:
    """True when ``name`` can only mean a local path: it exists, starts with ``/``, ``.`` or ``~``, has a
    backslash or more than one ``/``, or its first component is an existing directory (``in/nope`` when
    ``in/`` exists). Hub ids are ``name`` or ``owner/name``."""
    path = Path(name).expanduser()
    if path.exists() or name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1:
        return True
    return "/" in name and Path(name.split("/", 1)[0]).is_dir()


@cache
def _endpoint_unreachable() -> bool:
    from huggingface_hub import constants

    endpoint = urlparse(constants.ENDPOINT)
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((endpoint.hostname, port), timeout=PROBE_TIMEOUT_S).close()
    except OSError:
        return True
    return False


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set or the hub cannot be reached
    (probed once per process)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or _endpoint_unreachable()


@contextlib.contextmanager
def offline_when_unreachable() -> Iterator[bool]:
    """Within the block, transformers, huggingface_hub and datasets use only the local cache when the hub
    cannot answer (no retries); yields whether it is offline."""
    from huggingface_hub import constants

    offline = hub_offline()
    if not offline:
        yield False
        return
    modules = [constants]
    with contextlib.suppress(ImportError):
        import datasets.config

        modules.append(datasets.config)
    previous = [module.HF_HUB_OFFLINE for module in modules]
    for module in modules:
        module.HF_HUB_OFFLINE = True
    try:
        yield True
    finally:
        for module, value in zip(modules, previous):
            module.HF_HUB_OFFLINE = value
