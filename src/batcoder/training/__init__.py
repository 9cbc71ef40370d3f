"""``batcoder train``: RL on unlabeled code, the step read as named phases.

* :mod:`~batcoder.training.run` — a run: set-up (run directory, seeds, items, model, optimizer),
  resume, checkpoints, the step loop, the final save (:func:`train`).
* :mod:`~batcoder.training.step` — one RL step: ``collect_rollouts`` (with dynamic sampling) →
  ``compute_advantages`` → ``fill_buffer`` → ``update`` → ``sync_engine_weights`` → ``log``.
* :mod:`~batcoder.training.setup` — device, precision, optimizer and warm-up (shared with ``sft``).
* :mod:`~batcoder.training.logprobs` — per-token log-probs of response tokens only.
* :mod:`~batcoder.training.cli` — the ``batcoder train`` command.

The reward is a rollout kind (:mod:`batcoder.rollout`); nothing here knows which.
Importing this package is cheap: torch is imported when a function is first used.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name in ("train", "TrainResult"):
        from batcoder.training import run

        return getattr(run, name)
    raise AttributeError(name)


__all__ = ["TrainResult", "train"]
