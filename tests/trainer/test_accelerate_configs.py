"""The accelerate configs under configs/accelerate/ load with accelerate's own config reader (which
refuses unknown keys) and say what their comments promise. DeepSpeed is not installed here: the
ZeRO configs are checked, never run, by the project's CI."""

from pathlib import Path

import pytest
from accelerate.commands.config.config_args import ClusterConfig

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "accelerate"


def _load(name: str) -> ClusterConfig:
    return ClusterConfig.from_yaml_file(str(CONFIGS / name))


def test_every_config_loads_and_leaves_precision_to_batcoder():
    names = sorted(path.name for path in CONFIGS.glob("*.yaml"))
    assert names == ["ddp.yaml", "fsdp.yaml", "zero2.yaml", "zero3.yaml"]
    for name in names:
        config = _load(name)
        assert config.mixed_precision == "no", name  # batcoder autocasts; float32 master weights
        assert config.num_machines == 1 and config.num_processes >= 2, name


def test_ddp_and_fsdp():
    assert _load("ddp.yaml").distributed_type.value == "MULTI_GPU"
    fsdp = _load("fsdp.yaml")
    assert fsdp.distributed_type.value == "FSDP"
    assert fsdp.fsdp_config["fsdp_sharding_strategy"] == "FULL_SHARD" and fsdp.fsdp_config["fsdp_use_orig_params"] is True
    import transformers.models.qwen2.modeling_qwen2 as qwen2

    assert hasattr(qwen2, fsdp.fsdp_config["fsdp_transformer_layer_cls_to_wrap"])  # the class FSDP wraps exists


@pytest.mark.parametrize(("name", "stage"), [("zero2.yaml", 2), ("zero3.yaml", 3)])
def test_zero_configs(name, stage):
    config = _load(name)
    assert config.distributed_type.value == "DEEPSPEED"
    deepspeed = config.deepspeed_config
    assert deepspeed["zero_stage"] == stage
    assert deepspeed["gradient_clipping"] > 0
    assert "gradient_accumulation_steps" not in deepspeed  # batcoder sets it from rl.grad_accumulation
    assert {"offload_optimizer_device", "offload_param_device", "zero3_init_flag"} <= set(deepspeed)
