"""Candidate pools of the generator's samples plus the problem's reference solution (for a generator
whose own samples never pass, so that a reranker has something to find).

    PYTHONPATH=src python bench/rerank_reference_pools.py --problems P.jsonl --samples S.jsonl --output O.jsonl

Each problem (HumanEval schema: prompt with a ``def`` line, canonical_solution the body) gets one
more sample: its reference solution written the way `--prompt-style documentation` samples are (a
newline, the signature line, the body, no docstring), so the format does not give it away. The
output is a samples file for `batcoder rerank sample --samples` (which labels every candidate by
execution) and `batcoder evaluate --samples ... --select`. The reference's position in each pool is
drawn from --seed, so ties broken by position favour no one.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=Path, required=True)
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from batcoder.data.jsonl import atomic_output

    rng = random.Random(args.seed)
    problems = {row["task_id"]: row for row in map(json.loads, args.problems.read_text().splitlines())}
    pools: dict[str, list[dict]] = {}
    for row in map(json.loads, args.samples.read_text().splitlines()):
        pools.setdefault(str(row["task_id"]), []).append({"task_id": row["task_id"], "completion": row["completion"]})
    with atomic_output(args.output) as out:
        for task_id, pool in pools.items():
            problem = problems[task_id]
            signature = next(line for line in problem["prompt"].splitlines() if line.startswith("def "))
            reference = {"task_id": task_id, "completion": "\n" + signature + "\n" + problem["canonical_solution"].strip("\n"),
                         "reference": True}
            pool.insert(rng.randrange(len(pool) + 1), reference)
            out.writelines(json.dumps(row) + "\n" for row in pool)


if __name__ == "__main__":
    main()
