"""Does the reward hold up on realistic documentation? The round-trip set of bench/roundtrip/.

Functions (Python HumanEval, Ruby and Go MultiPL-E-style ports, each with its tests), two documentations
of each written the way capable instruction-tuned models answer the code→doc prompt (``precise`` and
``vague``), and one reconstruction per documentation written from the documentation alone by a writer
who never saw the code (bench/roundtrip/README.md says how it was made). For every similarity metric
it prints

* the filter's acceptance (R_doc > 0) of precise and of vague documentation;
* the AUROC of S(c, c') for "the reconstruction c' passes its tests" (ties count half);
* the separation of the documentation reward S·R_doc: its mean on precise minus vague documentation, and
  the share of functions whose precise documentation earns more than the vague one (and ties).

``--label`` first runs every reference and every reconstruction against its tests in the project's
sandbox (``batcoder.sandbox.SandboxPool``) and writes the pass/fail labels to labels.jsonl.

    .venv/bin/python bench/roundtrip.py [--label] [--metrics cssg codebleu ...] [--workers 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from batcoder import docfilter
from batcoder.data.jsonl import atomic_output
from batcoder.similarity import available_metrics, score_pairs
from similarity import auroc  # bench/similarity.py

DATA = Path(__file__).parent / "roundtrip"
KINDS = ("precise", "vague")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def program(function: dict, code: str, data: Path) -> str:
    """The complete test program of ``code`` standing in for ``function`` (the writers' assembly)."""
    if function["language"] == "python":
        return f"{code}\n\n{function['tests']}\ncheck({function['entry_point']})\n"
    if function["language"] == "ruby":
        return f"{code.rstrip()}\n\n{function['tests']}"
    spec = importlib.util.spec_from_file_location("run_tests", data / "run_tests.py")
    run_tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_tests)
    return run_tests.go_program(function, code)


def label(functions: dict[str, dict], reconstructions: list[dict], workers: int, data: Path) -> None:
    from tqdm import tqdm

    from batcoder.sandbox import Limits, SandboxPool

    jobs = [("reference", function_id, function["code"]) for function_id, function in functions.items()]
    jobs += [(row["kind"], row["id"], row["code"]) for row in reconstructions]
    programs = [(program(functions[fid], code, data), functions[fid]["language"]) for _, fid, code in jobs]
    with SandboxPool(workers, Limits(timeout_s=60.0)) as pool:
        results = list(tqdm(pool.map(programs), total=len(programs), desc="running tests", unit="program"))
    failing = [function_id for (kind, function_id, _), result in zip(jobs, results) if kind == "reference" and not result.passed]
    if failing:
        raise SystemExit(f"references fail their own tests in this sandbox: {', '.join(failing)}")
    with atomic_output(data / "labels.jsonl") as out:
        for (kind, function_id, _), result in zip(jobs, results):
            if kind != "reference":
                out.write(json.dumps({"id": function_id, "kind": kind, "passed": result.passed, "status": result.status}) + "\n")
    print(f"labels: {sum(r.passed for (k, *_), r in zip(jobs, results) if k != 'reference')} of {len(reconstructions)} pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", action="store_true", help="run the tests first and write labels.jsonl")
    parser.add_argument("--metrics", nargs="+", default=None, help="similarity metrics (default: all registered)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the set (default: bench/roundtrip)")
    args = parser.parse_args()
    data = args.data

    functions = {row["id"]: row for row in read_jsonl(data / "functions.jsonl")}
    docs = {(row["id"], row["kind"]): row for row in read_jsonl(data / "docs.jsonl")}
    reconstructions = read_jsonl(data / "reconstructions.jsonl")
    if args.label:
        label(functions, reconstructions, args.workers, data)
    passed = {(row["id"], row["kind"]): row["passed"] for row in read_jsonl(data / "labels.jsonl")}

    r_doc = {key: docfilter.check(row["doc"], functions[key[0]]["code"], functions[key[0]]["language"]).score for key, row in docs.items()}
    print(f"{len(functions)} functions ({', '.join(f'{n} {l}' for l, n in Counter(f['language'] for f in functions.values()).items())}), "
          f"{len(docs)} documentations, {len(reconstructions)} reconstructions, {sum(passed.values())} pass their tests")
    print("\nFilter acceptance (R_doc > 0) and R_doc = 1 (format exactly), by language")
    for kind in KINDS:
        cells = []
        for language in ("python", "ruby", "go", None):
            scores = [s for (fid, k), s in r_doc.items() if k == kind and (language is None or functions[fid]["language"] == language)]
            if not scores:
                continue
            accepted = sum(s > 0 for s in scores)
            cells.append(f"{language or 'all'} {accepted}/{len(scores)} ({accepted / len(scores):.1%}, R_doc=1: {sum(s == 1 for s in scores)})")
        print(f"  {kind:<8} " + "; ".join(cells))
    rejected = Counter(docfilter.check(docs[k]["doc"], functions[k[0]]["code"], functions[k[0]]["language"]).reason
                       for k, s in r_doc.items() if s == 0)
    print(f"  rejections: {dict(rejected) or 'none'}")

    keys = [(row["id"], row["kind"]) for row in reconstructions]
    labels = np.array([int(passed[key]) for key in keys])
    for kind in KINDS:
        print(f"  reconstructions of {kind} documentation that pass: {sum(passed[k] for k in keys if k[1] == kind)}/{sum(k[1] == kind for k in keys)}")
    pairs = [(functions[row["id"]]["code"], row["code"], functions[row["id"]]["language"]) for row in reconstructions]
    metrics = args.metrics or available_metrics()
    exercisable = np.array([is_exercisable(reference, language) for reference, _, language in pairs])
    print(f"  reconstructions whose reference the exec metric can run (a supported signature): {exercisable.sum()}/{len(pairs)}, "
          f"{labels[exercisable].sum()} of them pass")
    languages = np.array([language for _, _, language in pairs])
    print("\nAUROC of S(c, c') for a passing reconstruction: all, by language, and on the pairs exec can run")
    print(f"{'metric':<11}{'all':>7}{'python':>8}{'ruby':>7}{'go':>7}{'exec-able':>10}{'S pass':>8}{'S fail':>8}")
    separations = {}
    for metric in metrics:
        scores = np.array(score_pairs(pairs, metric, workers=args.workers))
        subsets = [languages == language for language in ("python", "ruby", "go")] + [exercisable]
        cells = "".join(f"{auroc(scores[k], labels[k]) if 0 < labels[k].sum() < k.sum() else float('nan'):>{width}.3f}"
                        for k, width in zip(subsets, (8, 7, 7, 10)))
        print(f"{metric:<11}{auroc(scores, labels):>7.3f}{cells}{scores[labels == 1].mean():>8.3f}{scores[labels == 0].mean():>8.3f}")
        separations[metric] = [
            separation({key: score * (float(r_doc[key] > 0) if accepted_is_one else r_doc[key]) for key, score in zip(keys, scores)})
            for accepted_is_one in (False, True)
        ]
    print("\nDocumentation reward S·R_doc, precise vs vague documentation of the same function")
    print("(R_doc as the filter scores it, rewritten 0.5; in brackets with every accepted documentation at 1)")
    print(f"{'metric':<11}{'precise':>8}{'vague':>7}{'diff':>16}{'precise > vague':>18}{'ties':>15}")
    for metric, ((p, v, wins, ties), (p1, v1, wins1, ties1)) in separations.items():
        print(f"{metric:<11}{p:>8.3f}{v:>7.3f}{f'{p - v:.3f} [{p1 - v1:.3f}]':>16}"
              f"{f'{wins:.1%} [{wins1:.1%}]':>18}{f'{ties:.1%} [{ties1:.1%}]':>15}")
    if any("exec" in metric for metric in metrics):
        from batcoder.similarity.metrics import exec as exec_metric

        print(f"exec: pairs exercised / fell back to CSSG (all exec metrics together): {exec_metric.stats()}")


def is_exercisable(reference: str, language: str) -> bool:
    """Whether the exec metric can generate inputs for ``reference`` (else it falls back to CSSG)."""
    from batcoder.similarity.metrics import exec as exec_metric

    try:
        exec_metric.signature(reference, language)
    except exec_metric.NotExercisable:
        return False
    return True


def separation(reward: dict[tuple[str, str], float]) -> tuple[float, float, float, float]:
    """Mean reward of precise and of vague documentation, and the shares of functions where the precise
    one earns more and where both earn the same."""
    by_function = defaultdict(dict)
    for (function_id, kind), value in reward.items():
        by_function[function_id][kind] = value
    both = [values for values in by_function.values() if len(values) == 2]
    means = [statistics.mean(v for (_, k), v in reward.items() if k == kind) for kind in KINDS]
    wins = sum(v["precise"] > v["vague"] for v in both) / len(both)
    ties = sum(v["precise"] == v["vague"] for v in both) / len(both)
    return means[0], means[1], wins, ties


if __name__ == "__main__":
    main()
