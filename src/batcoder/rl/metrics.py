"""Run logging: ``metrics.jsonl`` (one line per logged step), TensorBoard, optional W&B, and the
reward-curve plot written at the end of a run."""

from __future__ import annotations

import json
import math
from pathlib import Path

from batcoder.rollout.base import distribution

__all__ = ["MetricsWriter", "distribution", "plot_reward_curves", "read_metrics"]


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


def plot_reward_curves(
    metrics_path: Path, output: Path, *, headline: str | None = None, rate: tuple[str, str, str] | None = None
) -> Path | None:
    """PNG of every stage's mean reward per step (and the held-out ``headline`` metric, when
    evaluated) and, with ``rate`` = (training key, held-out key, title), a rate per step."""
    records = read_metrics(metrics_path)
    if not records:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in records]
    figure, axes = plt.subplots(1, 2 if rate else 1, figsize=(11, 4) if rate else (6, 4), squeeze=False)
    rewards_axis = axes[0][0]
    stages = sorted({key.split("/")[1] for r in records for key in r if key.startswith("reward/") and key.endswith("/mean")})
    for stage in stages:
        rewards_axis.plot(steps, [r.get(f"reward/{stage}/mean", float("nan")) for r in records], marker=".", label=f"{stage} reward")
    evaluated = [r for r in records if headline and headline in r]
    if evaluated:
        rewards_axis.plot([r["step"] for r in evaluated], [r[headline] for r in evaluated], marker="o", color="black", label=f"held-out {headline}")
    rewards_axis.set(xlabel="step", ylabel="mean reward", title="rewards", ylim=(0, 1))
    rewards_axis.legend()
    if rate:
        training_key, held_out_key, title = rate
        rate_axis = axes[0][1]
        rate_axis.plot(steps, [r.get(training_key, float("nan")) for r in records], marker=".", color="tab:green", label="training")
        held_out = [r for r in records if held_out_key in r]
        if held_out:
            rate_axis.plot([r["step"] for r in held_out], [r[held_out_key] for r in held_out], marker="o", color="black", label="held-out")
            rate_axis.legend()
        rate_axis.set(xlabel="step", ylabel="fraction", title=title, ylim=(0, 1.05))
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.stem + ".tmp.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(output)
    return output
