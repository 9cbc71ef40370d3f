"""Run untrusted programs (model-written solutions + benchmark tests) in a sandbox and judge them.

    from batcoder.sandbox import Limits, SandboxPool, execute

    result = execute(program, "python")            # one program, one fresh sandbox
    with SandboxPool(workers=4) as pool:           # many programs, long-lived sandboxes
        results = list(pool.map([(program, "python"), (other, "go")]))

``passed`` means the run's random marker, which the language runner prints after the tests
completed, appeared on stdout; the exit status alone never passes a program.

Modules: ``isolation`` builds the sandbox (bubblewrap, or unshare; read-only root, private tmpfs,
no network, empty environment, a dedicated uid), ``cgroups`` bounds its total memory and tasks where
possible, ``worker`` is the supervisor inside that runs one program after another (fresh directory,
resource limits, capped output, every leftover process killed), ``runners`` add each language's
pass marker, ``pool`` shares workers out and turns their reports into :class:`ExecutionResult`.
"""

from batcoder.sandbox.isolation import IsolationUnavailable
from batcoder.sandbox.limits import ExecutionResult, Limits
from batcoder.sandbox.pool import SandboxPool, execute

__all__ = ["ExecutionResult", "IsolationUnavailable", "Limits", "SandboxPool", "execute"]
