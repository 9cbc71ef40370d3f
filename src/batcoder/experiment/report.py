"""``batcoder report RUN_DIR...``: the table (``results.md``) and plots of finished experiment runs.

Every ``result.json`` under the given directories is one arm x seed. Figures are the final
evaluation of each run, mean ± sample standard deviation over seeds; the paired table subtracts the
base model's figure of the same seed (same evaluation samples' seed, same data order).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from batcoder.experiment.arms import ARMS

PLOTS = ("pass_at_1.png", "rewards.png", "valid_rate.png")


def collect(paths) -> list[tuple[Path, dict]]:
    """(run directory, result) of every finished run under ``paths``."""
    from batcoder.errors import UserError

    found: dict[Path, dict] = {}
    for path in map(Path, paths):
        if not path.is_dir():
            raise UserError(f"{path}: not a directory")
        candidates = [path / "result.json"] if (path / "result.json").is_file() else sorted(path.rglob("result.json"))
        for candidate in candidates:
            try:
                found[candidate.parent.resolve()] = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise UserError(f"{candidate}: unreadable result ({error})") from None
    if not found:
        raise UserError(f"no finished runs (result.json) under {', '.join(map(str, paths))}")
    return list(found.items())


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((value - mean) ** 2 for value in values) / (len(values) - 1))


def _cell(values: list[float], percent: bool = True) -> str:
    if not values:
        return "–"
    mean, std = mean_std(values)
    scale = 100 if percent else 1
    digits = 1 if percent else 3
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def _arm_order(results, arms=None) -> list[str]:
    present = {result["arm"] for _, result in results}
    order = [arm for arm in (arms or ARMS) if arm in present]
    return order + sorted(present - set(order))


def _metrics(final: dict, languages: list[str], ks: list[str]) -> dict[str, float]:
    values = {f"{language} {k}": final[language][k] for language in languages for k in ks if final.get(language, {}).get(k) is not None}
    for key in ("eval/backtranslation", "eval/valid_rate"):
        if key in final:
            values[key] = final[key]
    return values


def results_markdown(results, arms=None) -> str:
    languages = list(dict.fromkeys(language for _, result in results for language in result["languages"]))
    ks = sorted({k for _, result in results for language in result["languages"] for k in result["final"].get(language, {})},
                key=lambda k: int(k.split("@")[1]))
    columns = [f"{language} {k}" for language in languages for k in ks]
    by_arm: dict[str, list[dict]] = {}
    for _, result in results:
        by_arm.setdefault(result["arm"], []).append(result)
    names = {result["experiment"] for _, result in results}
    lines = [f"# Results: {', '.join(sorted(names))}", "",
             "Final evaluation of each run; mean ± sample std over seeds (pass@k in %, back-translation score and "
             "valid-documentation rate as fractions).", ""]
    header = ["arm", "seeds", "steps", *columns, "back-translation", "valid docs"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    base_by_seed = {result["seed"]: _metrics(result["final"], languages, ks) for result in by_arm.get("base", [])}
    for arm in _arm_order(results, arms):
        runs = by_arm[arm]
        metrics = [_metrics(run["final"], languages, ks) for run in runs]
        steps = sorted({run["final"]["step"] for run in runs})
        row = [arm, str(len(runs)), "/".join(map(str, steps))]
        row += [_cell([m[c] for m in metrics if c in m]) for c in columns]
        row += [_cell([m[key] for m in metrics if key in m], percent=False) for key in ("eval/backtranslation", "eval/valid_rate")]
        lines.append("| " + " | ".join(row) + " |")
    if base_by_seed:
        lines += ["", "Paired difference to the base model of the same seed (percentage points; mean ± std over seeds):", ""]
        header = ["arm", *columns]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for arm in _arm_order(results, arms):
            if arm == "base":
                continue
            row = [arm]
            for column in columns:
                deltas = [_metrics(run["final"], languages, ks)[column] - base_by_seed[run["seed"]][column]
                          for run in by_arm[arm] if run["seed"] in base_by_seed and column in base_by_seed[run["seed"]]
                          and column in _metrics(run["final"], languages, ks)]
                row.append(_cell(deltas))
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Arms:", ""]
    lines += [f"- **{arm}**: {ARMS[arm].description if arm in ARMS else by_arm[arm][0].get('description', '')}" for arm in _arm_order(results, arms)]
    return "\n".join(lines) + "\n"


def _series(points: dict[int, list[float]]) -> tuple[list[int], list[float], list[float]]:
    steps = sorted(points)
    stats = [mean_std(points[step]) for step in steps]
    return steps, [mean for mean, _ in stats], [std for _, std in stats]


def _save(figure, output: Path) -> Path:
    import matplotlib.pyplot as plt

    output.parent.mkdir(parents=True, exist_ok=True)
    from batcoder.outputs import temporary_prefix

    tmp = output.with_name(temporary_prefix(output.name) + "tmp.png")  # parts of one experiment may draw at once
    figure.tight_layout()
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(output)
    return output


def plot_pass_at_1(results, output: Path, arms=None) -> Path:
    """pass@1 over RL steps per arm and language (mean ± std over seeds); SFT at its budget's step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    languages = list(dict.fromkeys(language for _, result in results for language in result["languages"]))
    figure, axes = plt.subplots(1, len(languages), figsize=(5.5 * len(languages), 4), squeeze=False)
    for axis, language in zip(axes[0], languages):
        for arm in _arm_order(results, arms):
            points: dict[int, list[float]] = {}
            for _, result in results:
                if result["arm"] != arm:
                    continue
                for record in result["evaluations"]:
                    if record.get(language, {}).get("pass@1") is not None:
                        points.setdefault(record["step"], []).append(100 * record[language]["pass@1"])
            if not points:
                continue
            steps, means, stds = _series(points)
            style = {"base": dict(marker="s", linestyle="none", color="black"), "sft": dict(marker="D", linestyle="none")}.get(arm, dict(marker="."))
            axis.errorbar(steps, means, yerr=stds, capsize=3, label=arm, **style)
            if arm == "base":
                axis.axhline(means[0], color="black", linewidth=0.8, linestyle=":")
        axis.set(xlabel="RL step", ylabel="pass@1 (%)", title=f"world:{language}")
        axis.legend(fontsize=8)
    return _save(figure, output)


def plot_training_metric(results, keys: list[tuple[str, str]], ylabel: str, title: str, output: Path, arms=None) -> Path | None:
    """A training metric of the RL arms over steps (mean over seeds), one line per arm and key."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from batcoder.rl.metrics import read_metrics

    figure, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4), squeeze=False)
    drawn = False
    for axis, (key, label) in zip(axes[0], keys):
        for arm in _arm_order(results, arms):
            points: dict[int, list[float]] = {}
            for run_dir, result in results:
                if result["arm"] != arm or result["kind"] != "rl":
                    continue
                for record in read_metrics(run_dir / "train" / "metrics.jsonl"):
                    if key in record:
                        points.setdefault(record["step"], []).append(record[key])
            if points:
                steps, means, _ = _series(points)
                axis.plot(steps, means, marker=".", label=arm)
                drawn = True
        axis.set(xlabel="RL step", ylabel=ylabel, title=label)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8)
    figure.suptitle(title)
    if not drawn:
        plt.close(figure)
        return None
    return _save(figure, output)


def write_report(paths, output_dir: Path, arms=None) -> list[Path]:
    """``results.md`` and the plots of every finished run under ``paths``, written to ``output_dir``."""
    from batcoder.data.jsonl import atomic_output

    results = collect(paths)
    output_dir = Path(output_dir)
    with atomic_output(output_dir / "results.md") as out:
        out.write(results_markdown(results, arms))
    written = [output_dir / "results.md", plot_pass_at_1(results, output_dir / PLOTS[0], arms)]
    written.append(plot_training_metric(
        results, [("reward/code2doc/mean", "code→doc reward"), ("reward/doc2code/mean", "doc→code reward")],
        "mean reward", "training rewards (mean over seeds)", output_dir / PLOTS[1], arms))
    written.append(plot_training_metric(
        results, [("doc/valid_rate", "training"), ("eval/valid_rate", "held-out")],
        "fraction", "documentations accepted (R_doc > 0)", output_dir / PLOTS[2], arms))
    return [path for path in written if path is not None]
