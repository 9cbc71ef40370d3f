"""Held-out table of the reference-pool check (docs/rerank.md): reranker / random per seed, logprob once.

    PYTHONPATH=src python bench/rerank_reference_table.py runs/rerank-demo/disc MODEL_DIR
"""
import argparse
import json
import statistics

from batcoder.generation import load_generation_backend
from batcoder.rerank.candidates import group_by_problem, read_candidates
from batcoder.rerank.model import load_reranker
from batcoder.rerank.select import candidate_groups, logprob_scorer, random_scorer, reranker_scorer, select_best
from batcoder.rerank.train import evaluate_reranker
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("directory", help="the reference-pool run: heldout-candidates.jsonl, reranker-seed{0,1,2}/model")
parser.add_argument("model", help="the generator, for the logprob selector")
arguments = parser.parse_args()
D, M = arguments.directory, arguments.model
rows = read_candidates(f"{D}/heldout-candidates.jsonl")
groups = candidate_groups(rows)
backend, tok = load_generation_backend(M, "cpu", 32)
lp = select_best(groups, {"logprob": logprob_scorer(backend.model, tok)})
out = {"logprob": lp["selectors"]["logprob"]["pass@1"], "single": lp["single_sample_pass@1"], "oracle": lp["oracle_pass@n"], "seeds": {}}
for s in (0, 1, 2):
    r = load_reranker(f"{D}/reranker-seed{s}/model", device="cpu")
    rep = select_best(groups, {"reranker": reranker_scorer(r), "random": random_scorer(s)})
    m = evaluate_reranker(r, group_by_problem(rows))
    out["seeds"][s] = {"reranker": rep["selectors"]["reranker"]["pass@1"], "random": rep["selectors"]["random"]["pass@1"],
                       "pairwise_accuracy": m["eval/pairwise_accuracy"], "auroc": m["eval/auroc"]}
json.dump(out, open(f"{D}/table.json", "w"), indent=1)
for k in ("reranker", "random", "pairwise_accuracy", "auroc"):
    v = [out["seeds"][s][k] for s in (0, 1, 2)]
    print(k, [round(x, 3) for x in v], round(statistics.fmean(v), 3), round(statistics.pstdev(v), 3))
print("logprob", out["logprob"], "single", out["single"], "oracle", out["oracle"], "problems", len(groups), "N", len(groups[0]))
