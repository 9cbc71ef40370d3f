"""Where does a trained reranker stop ranking correctly? Its metrics on candidate sets of growing
distance from its training data (docs/rerank.md, "Where the reranker stops generalising"):

    PYTHONPATH=src python bench/rerank_generalisation.py \
        --reranker runs/rerank-fresh-large/seed-0/round-0/reranker/model \
        --set training=runs/rerank-fresh-large/seed-0/round-0/candidates.jsonl \
        --set dev=runs/rerank-fresh-large/dev-candidates.jsonl \
        --set benchmark=runs/rerank-fresh-large/seed-0/round-0/eval_candidates.jsonl

Each ``--set NAME=FILE`` is a labelled candidates JSONL (`batcoder rerank sample`); one row per set and
reranker: pairwise accuracy, AUROC, the pass rate of the top-scored candidate against a random pick's.
"""

from __future__ import annotations

import argparse
import statistics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reranker", nargs="+", required=True, help="reranker model directories (one per seed)")
    parser.add_argument("--set", dest="sets", action="append", required=True, metavar="NAME=FILE")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    from batcoder.rerank.candidates import group_by_problem, read_candidates
    from batcoder.rerank.model import load_reranker
    from batcoder.rerank.train import evaluate_reranker

    sets = dict(item.split("=", 1) for item in args.sets)
    figures: dict[str, list[dict]] = {name: [] for name in sets}
    for path in args.reranker:
        reranker = load_reranker(path, device=args.device)
        for name, file in sets.items():
            figures[name].append(evaluate_reranker(reranker, group_by_problem(read_candidates(file))))

    def cell(values: list[dict], key: str, scale: float = 1.0, digits: int = 3) -> str:
        numbers = [scale * value[key] for value in values if key in value]
        return f"{statistics.fmean(numbers):.{digits}f} ± {statistics.pstdev(numbers):.{digits}f}"

    print(f"| candidates | problems | pairwise acc. | AUROC | top-1 pass rate (%) | random pick (%) |  ({len(args.reranker)} rerankers)")
    print("|---|---|---|---|---|---|")
    for name, values in figures.items():
        print(f"| {name} | {values[0]['eval/problems']} | {cell(values, 'eval/pairwise_accuracy')} | {cell(values, 'eval/auroc')} | "
              f"{cell(values, 'eval/top1_pass_rate', 100, 1)} | {cell(values, 'eval/mean_pass_rate', 100, 1)} |")


if __name__ == "__main__":
    main()
