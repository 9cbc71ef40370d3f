"""Run logging: ``metrics.jsonl`` (one line per logged step), TensorBoard, optional W&B, and the
reward-curve plot written at the end of a run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np


def distribution(prefix: str, values: list[float]) -> dict[str, float]:
    """mean/std/min/p50/max of ``values`` under ``prefix/``; empty lists give NaN-free zeros and n=0."""
    if not values:
        return {f"{prefix}/n": 0}
    array = np.asarray(values, dtype=np.float64)
    return {
        f"{prefix}/mean": float(array.mean()),
        f"{prefix}/std": float(array.std()),
        f"{prefix}/min": float(array.min()),
        f"{prefix}/p50": float(np.median(array)),
        f"{prefix}/max": float(array.max()),
        f"{prefix}/n": int(array.size),
    }


class MetricsWriter:
    """Appends metrics to ``metrics.jsonl`` and mirrors them to TensorBoard / W&B."""

    def __init__(self, run_dir: Path, *, tensorboard: bool, wandb_project: str | None, config: dict, resume_step: int):
        self.path = run_dir / "metrics.jsonl"
        self._truncate_after(resume_step)
        self._tensorboard = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tensorboard = SummaryWriter(log_dir=str(run_dir / "tensorboard"), purge_step=resume_step + 1 if resume_step else 0)
        self._wandb = None
        if wandb_project:
            try:
                import wandb
            except ImportError:
                from batcoder.errors import UserError

                raise UserError("config key 'run.wandb': wandb is not installed (pip install wandb)") from None
            self._wandb = wandb.init(project=wandb_project, dir=str(run_dir), config=config, resume="allow")

    def _truncate_after(self, step: int) -> None:
        """Drop lines of steps after ``step`` (logged after the checkpoint a resumed run restarts from);
        a run restarting at step 0 drops every line, its pre-training evaluation (step 0) included."""
        if not self.path.exists():
            return
        lines = [line for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        kept = [line for line in lines if json.loads(line)["step"] <= step] if step > 0 else []
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        tmp.replace(self.path)

    def log(self, step: int, metrics: dict) -> None:
        record = {"step": step, **metrics}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        if self._tensorboard is not None:
            for key, value in metrics.items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    self._tensorboard.add_scalar(key, value, step)
            self._tensorboard.flush()
        if self._wandb is not None:
            self._wandb.log(metrics, step=step)

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
        if self._wandb is not None:
            self._wandb.finish()


def read_metrics(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_reward_curves(metrics_path: Path, output: Path) -> Path | None:
    """PNG of both stages' mean rewards (and the held-out score, when evaluated) and the
    valid-documentation rate per step."""
    records = read_metrics(metrics_path)
    if not records:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in records]
    figure, (rewards_axis, rate_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label in (
        ("reward/code2doc/mean", "code→doc reward S·R_doc"),
        ("reward/doc2code/mean", "doc→code reward S"),
    ):
        rewards_axis.plot(steps, [r.get(key, float("nan")) for r in records], marker=".", label=label)
    evaluated = [r for r in records if "eval/backtranslation" in r]
    if evaluated:
        rewards_axis.plot(
            [r["step"] for r in evaluated], [r["eval/backtranslation"] for r in evaluated],
            marker="o", color="black", label="held-out back-translation E[S·1(R_doc>0)]",
        )
    rewards_axis.set(xlabel="step", ylabel="mean reward", title="BatCoder rewards", ylim=(0, 1))
    rewards_axis.legend()
    rate_axis.plot(steps, [r.get("doc/valid_rate", float("nan")) for r in records], marker=".", color="tab:green", label="training")
    if evaluated:
        rate_axis.plot([r["step"] for r in evaluated], [r["eval/valid_rate"] for r in evaluated], marker="o", color="black", label="held-out")
        rate_axis.legend()
    rate_axis.set(xlabel="step", ylabel="fraction", title="documentations accepted (R_doc > 0)", ylim=(0, 1.05))
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.stem + ".tmp.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(output)
    return output
