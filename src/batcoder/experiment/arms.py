"""The experiment's arms: the paper's Table 3 (base, SFT on synthetic pairs, BatCoder, stage-1
frozen) and ours (other similarity rewards, execution-equivalence rewards).

An arm is either untrained (``base``), the SFT baseline (``sft``), or BatCoder RL with ``overrides``
applied to the shared ``train`` config.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Arm:
    name: str
    kind: str  # "base", "sft" or "rl"
    description: str
    overrides: dict = field(default_factory=dict)  # dotted train-config keys -> values (RL arms)


ARMS: dict[str, Arm] = {
    arm.name: arm
    for arm in (
        Arm("base", "base", "the pretrained model, no training"),
        Arm("sft", "sft", "SFT on synthetic pairs: the base documents the RL corpus itself, then trains on them"),
        # The paper's reward is CSSG; the trainer's default metric is not, so these arms name it.
        Arm("batcoder", "rl", "BatCoder, both stages trained, CSSG reward", {"rollout.similarity_metric": "cssg"}),
        Arm("stage1-frozen", "rl", "BatCoder, stage 1 (code→doc) frozen, CSSG reward",
            {"rl.train_stages": "doc2code", "rollout.similarity_metric": "cssg"}),
        Arm("codebleu", "rl", "BatCoder with CodeBLEU as S", {"rollout.similarity_metric": "codebleu"}),
        Arm("exact", "rl", "BatCoder with exact match as S", {"rollout.similarity_metric": "exact"}),
        Arm("exec", "rl", "BatCoder with execution equivalence as S", {"rollout.similarity_metric": "exec"}),
        Arm("cssg+exec", "rl", "BatCoder with CSSG and execution equivalence blended", {"rollout.similarity_metric": "cssg+exec"}),
    )
}


def with_overrides(values: dict, overrides: dict) -> dict:
    """``values`` (a nested train config) with dotted ``overrides`` set; the input is not changed."""
    import copy

    merged = copy.deepcopy(values)
    for dotted, value in overrides.items():
        node = merged
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return merged
