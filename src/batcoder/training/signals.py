"""SIGINT/SIGTERM during a run: finish the step, save a checkpoint, exit."""

from __future__ import annotations

import signal


class StopRequest:
    """SIGINT/SIGTERM set ``requested`` (the signal's name): the current step finishes, a checkpoint
    is saved, the run exits. A second signal interrupts at once."""

    def __init__(self):
        self.requested: str | None = None
        self._previous = {}

    def __enter__(self) -> "StopRequest":
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested is not None:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name
        print(f"\nbatcoder: {self.requested} received: finishing this step, then saving a checkpoint", flush=True)

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
