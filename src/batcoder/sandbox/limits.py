"""What one sandboxed run may use, and what came out of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-program resource limits."""

    timeout_s: float = 10.0  # wall-clock seconds; CPU time is capped at the same figure (plus one second)
    memory_mb: int = 2048  # data segment (heap + private writable mappings) of each process, and of
    # the whole program (plus its scratch files) where a sandbox cgroup can be made (sandbox.cgroups)
    max_processes: int = 64  # processes and threads the program may have at once
    max_file_mb: int = 64  # largest file the program may write
    max_output_bytes: int = 1 << 20  # stdout and stderr are each kept up to this size, the rest is discarded
    scratch_mb: int = 512  # size of the sandbox's private tmpfs, the only writable place

    def __post_init__(self):
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, got {value!r}")


@dataclass(frozen=True)
class ExecutionResult:
    """The verdict on one program."""

    status: str  # "passed" | "failed" | "timed_out" | "error" (the sandbox itself could not run it)
    detail: str  # why it failed: the last line of stderr, the exit status, the limit it hit
    stdout: str  # captured, capped at Limits.max_output_bytes, pass marker removed
    stderr: str  # captured, capped at Limits.max_output_bytes
    duration_s: float  # wall-clock seconds the program ran

    @property
    def passed(self) -> bool:
        return self.status == "passed"
