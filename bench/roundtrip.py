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


def program(function: dict, code: str) -> str:
    """The complete test program of ``code`` standing in for ``function`` (the writers' assembly)."""
    if function["language"] == "python":
        return f"{code}\n\n{function['tests']}\ncheck({function['entry_point']})\n"
    if function["language"] == "ruby":
        return f"{code.rstrip()}\n\n{function['tests']}"
    spec = importlib.util.spec_from_file_location("run_tests", DATA / "run_tests.py")
    run_tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_tests)
    return run_tests.go_program(function, code)


def label(functions: dict[str, dict], reconstructions: list[dict], workers: int) -> None:
    from tqdm import tqdm

    from batcoder.sandbox import Limits, SandboxPool

    jobs = [("reference", function_id, function["code"]) for function_id, function in functions.items()]
    jobs += [(row["kind"], row["id"], row["code"]) for row in reconstructions]
    programs = [(program(functions[function_id], code), functions[function_id]["language"]) for _, function_id, code in jobs]
    with SandboxPool(workers, Limits(timeout_s=60.0)) as pool:
        results = list(tqdm(pool.map(programs), total=len(programs), desc="running tests", unit="program"))
    failing = [function_id for (kind, function_id, _), result in zip(jobs, results) if kind == "reference" and not result.passed]
    if failing:
        raise SystemExit(f"references fail their own tests in this sandbox: {', '.join(failing)}")
    with atomic_output(DATA / "labels.jsonl") as out:
        for (kind, function_id, _), result in zip(jobs, results):
            if kind != "reference":
                out.write(json.dumps({"id": function_id, "kind": kind, "passed": result.passed, "status": result.status}) + "\n")
    print(f"labels: {sum(r.passed for (k, *_), r in zip(jobs, results) if k != 'reference')} of {len(reconstructions)} pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", action="store_true", help="run the tests first and write labels.jsonl")
    parser.add_argument("--metrics", nargs="+", default=None, help="similarity metrics (default: all registered)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    functions = {row["id"]: row for row in read_jsonl(DATA / "functions.jsonl")}
    docs = {(row["id"], row["kind"]): row for row in read_jsonl(DATA / "docs.jsonl")}
    reconstructions = read_jsonl(DATA / "reconstructions.jsonl")
    if args.label:
        label(functions, reconstructions, args.workers)
    passed = {(row["id"], row["kind"]): row["passed"] for row in read_jsonl(DATA / "labels.jsonl")}

    r_doc = {key: docfilter.check(row["doc"], functions[key[0]]["code"], functions[key[0]]["language"]).score for key, row in docs.items()}
    print(f"{len(functions)} functions ({', '.join(f'{n} {l}' for l, n in Counter(f['language'] for f in functions.values()).items())}), "
          f"{len(docs)} documentations, {len(reconstructions)} reconstructions, {sum(passed.values())} pass their tests")
    print("\nFilter acceptance (R_doc > 0) and R_doc = 1 (format exactly), by language")
    for kind in KINDS:
        cells = []
        for language in ("python", "ruby", "go", None):
            scores = [s for (fid, k), s in r_doc.items() if k == kind and (language is None or functions[fid]["language"] == language)]
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
    print(f"\n{'metric':<12}{'AUROC pass':>11}{'S pass':>8}{'S fail':>8}{'S·R precise':>13}{'S·R vague':>11}{'diff':>7}{'precise>vague':>15}{'ties':>6}")
    for metric in metrics:
        scores = np.array(score_pairs(pairs, metric, workers=args.workers))
        reward = {key: score * r_doc[key] for key, score in zip(keys, scores)}
        by_function = defaultdict(dict)
        for (function_id, kind), value in reward.items():
            by_function[function_id][kind] = value
        both = [values for values in by_function.values() if len(values) == 2]
        wins = sum(v["precise"] > v["vague"] for v in both)
        ties = sum(v["precise"] == v["vague"] for v in both)
        means = {kind: statistics.mean(v for (_, k), v in reward.items() if k == kind) for kind in KINDS}
        print(f"{metric:<12}{auroc(scores, labels):>11.3f}{scores[labels == 1].mean():>8.3f}{scores[labels == 0].mean():>8.3f}"
              f"{means['precise']:>13.3f}{means['vague']:>11.3f}{means['precise'] - means['vague']:>7.3f}"
              f"{wins / len(both):>15.1%}{ties / len(both):>6.1%}")


if __name__ == "__main__":
    main()
