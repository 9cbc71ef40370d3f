"""RewardRanker on the code world, on CPU: best-of-N selection before and after self-training rounds,
over several seeds (the figures of docs/rerank.md).

    PYTHONPATH=src python bench/rerank_world.py --world runs/world --model MODEL_DIR \
        --config configs/rerank-world-cpu.yaml --output runs/rerank-demo --seeds 0 1 2

The reranker's training problems are train-style world problems made from the world's *pretraining*
Python programs (HumanEval schema, tests from the Python rendering, as ``batcoder world build`` makes
the benchmark's); the held-out problems are the world's benchmark (``benchmark-python.jsonl``,
skeletons the pretraining never saw). Every seed runs ``batcoder rerank iterate`` with its own seed;
the table is the mean ± std over seeds of each round's held-out pass@1 per selector. Writes
``<output>/table.md``, ``<output>/rounds.json`` and ``<output>/selection_by_round.png``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def write_train_problems(world_dir: Path, output: Path) -> int:
    """Train-style problems from the world's documented pretraining Python programs."""
    from batcoder.data.jsonl import atomic_output
    from batcoder.world import WorldConfig, generate_world
    from batcoder.world.export import benchmark_row

    world = generate_world(WorldConfig(**json.loads((world_dir / "world.json").read_text(encoding="utf-8"))["config"]))
    rows = [benchmark_row(index, item, "python") for index, item in enumerate(world.pretrain["python"])]
    with atomic_output(output) as out:
        for row in rows:
            row["task_id"] = "Train" + row["task_id"]
            out.write(json.dumps(row) + "\n")
    return len(rows)


def table(per_seed: list[list[dict]]) -> tuple[str, dict]:
    """Markdown table (mean ± std over seeds, in %) and the figures it shows."""
    rounds = min(len(summaries) for summaries in per_seed)
    columns = ["generator (single sample)"] + list(per_seed[0][0]["selectors"]) + ["oracle pass@N"]
    figures: dict = {}
    lines = ["| round | " + " | ".join(columns) + " | reranker pairwise acc. | hard negatives added |",
             "|---" * (len(columns) + 3) + "|"]
    for index in range(rounds):
        summaries = [seed_rounds[index] for seed_rounds in per_seed]
        values = {"generator (single sample)": [s["single_sample_pass@1"] for s in summaries],
                  **{name: [s["selectors"][name] for s in summaries] for name in per_seed[0][0]["selectors"]},
                  "oracle pass@N": [s["oracle_pass@n"] for s in summaries]}
        accuracy = [s["reranker_pairwise_accuracy"] for s in summaries if s["reranker_pairwise_accuracy"] is not None]
        added = [s["hard_negatives_added"] for s in summaries if s["hard_negatives_added"] is not None]
        figures[index] = {name: (statistics.fmean(v), statistics.pstdev(v)) for name, v in values.items()}
        cells = [f"{100 * statistics.fmean(v):.1f} ± {100 * statistics.pstdev(v):.1f}" for v in values.values()]
        cells.append(f"{statistics.fmean(accuracy):.3f} ± {statistics.pstdev(accuracy):.3f}" if accuracy else "n/a")
        cells.append(f"{statistics.fmean(added):.1f}" if added else "–")
        lines.append(f"| {index} | " + " | ".join(cells) + " |")
    return "\n".join(lines), figures


def plot(figures: dict, output: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = sorted(figures)
    fig, axis = plt.subplots(figsize=(7, 4))
    for name in figures[rounds[0]]:
        means = [100 * figures[r][name][0] for r in rounds]
        stds = [100 * figures[r][name][1] for r in rounds]
        axis.errorbar(rounds, means, yerr=stds, marker="o", capsize=3, label=name)
    axis.set_xlabel("self-training round")
    axis.set_ylabel("held-out pass@1 of the pick (%)")
    axis.set_xticks(rounds)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(output, dpi=120)
    plt.close(fig)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True, help="directory `batcoder world build` wrote")
    parser.add_argument("--model", required=True, help="the generator (the project's pretrained base)")
    parser.add_argument("--config", type=Path, required=True, help="`rerank iterate` config")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seeds", nargs="+", default=["0", "1", "2"], help="seeds; KEY=VALUE overrides may follow them")
    parser.add_argument("overrides", nargs="*", help="extra `rerank iterate` overrides (KEY=VALUE)")
    args = parser.parse_args(argv)
    # --seeds takes every word after it, so overrides written after the seeds arrive among them
    words = args.seeds + args.overrides
    args.overrides = [word for word in words if "=" in word]
    seeds = [word for word in words if "=" not in word]
    if not all(seed.lstrip("-").isdigit() for seed in seeds):
        parser.error(f"--seeds: not an integer or a KEY=VALUE override: {' '.join(seeds)}")
    args.seeds = [int(seed) for seed in seeds]
    return args


def main() -> None:
    args = parse_arguments()

    from batcoder.rerank.iterate import load_iterate_config, run_rounds

    train_problems = args.output / "world-train-python.jsonl"
    if not train_problems.exists():
        print(f"wrote {write_train_problems(args.world, train_problems)} train-style problems to {train_problems}")
    per_seed = []
    for seed in args.seeds:
        overrides = [f"generator.path={args.model}", f"reranker.model.base={args.model}", f"problems.data={train_problems}",
                     f"problems.eval_data={args.world / 'benchmark-python.jsonl'}", f"iterate.seed={seed}",
                     f"iterate.output_dir={args.output / f'seed-{seed}'}", *args.overrides]
        per_seed.append(run_rounds(load_iterate_config(args.config, overrides)))
    markdown, figures = table(per_seed)
    (args.output / "table.md").write_text(markdown + "\n", encoding="utf-8")
    (args.output / "rounds.json").write_text(json.dumps(per_seed, indent=1) + "\n", encoding="utf-8")
    plot(figures, args.output / "selection_by_round.png")
    print(markdown)


if __name__ == "__main__":
    main()
