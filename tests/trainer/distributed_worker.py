"""One rank of a multi-process check, started by tests/trainer/test_distributed.py as

    python distributed_worker.py update OUT            # RL update of a fixed buffer
    python distributed_worker.py sft OUT MODEL CORPUS  # a few SFT steps

with WORLD_SIZE / RANK / LOCAL_RANK / MASTER_ADDR / MASTER_PORT set (WORLD_SIZE=1: one process).
Rank 0 writes the trained parameters to OUT (a torch file) for the test to compare."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import torch


def fixed_buffer_update(out: str) -> None:
    from transformers import AutoModelForCausalLM, Qwen2Config

    from batcoder.config import load_config
    from batcoder.rl.replay import Experience
    from batcoder.training.distributed import Processes, launched_world_size
    from batcoder.training.step import fill_buffer, update

    config = load_config(None, ["rl.micro_batch_size=2", "rl.grad_accumulation=3", "rl.epochs=2", "rl.kl_beta=0.1",
                                "rl.grad_clip=0", "rollout.temperature=0.9"])
    processes = Processes.start(cpu=True, timeout_s=120, grad_accumulation=config.rl.grad_accumulation)
    assert processes.world_size == launched_world_size()
    torch.manual_seed(0)
    shape = Qwen2Config(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                        num_key_value_heads=1, max_position_embeddings=64)
    model = AutoModelForCausalLM.from_config(shape)
    reference = AutoModelForCausalLM.from_config(shape).requires_grad_(False)
    data = torch.Generator().manual_seed(1)
    experiences = []
    for _ in range(11):  # 6 micro-batches per epoch: optimizer steps of 3 and 3; ranks compute 2 and 1 of each
        prompt, response = int(torch.randint(3, 7, (1,), generator=data)), int(torch.randint(2, 8, (1,), generator=data))
        ids = torch.randint(1, 64, (prompt + response,), generator=data).tolist()
        experiences.append(Experience(ids[:prompt], ids[prompt:], float(torch.randn(1, generator=data)), "code2doc"))
    parameters = [p for p in model.parameters() if p.requires_grad]
    # SGD: AdamW would hide a gradient off by a constant factor (it normalises the scale away).
    optimizer = torch.optim.SGD(parameters, lr=0.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    policy, optimizer = processes.prepare(model, optimizer)
    run = SimpleNamespace(config=config, processes=processes, policy=policy, model=model, reference=reference,
                          device=torch.device("cpu"), autocast=torch.autocast("cpu", enabled=False), parameters=parameters,
                          optimizer=optimizer, scheduler=scheduler, pad_token_id=0)
    stats = update(run, fill_buffer(run, experiences), seed=7)
    if processes.is_main:
        torch.save({"parameters": {k: v.detach().clone() for k, v in model.state_dict().items()},
                    "tokens": stats.tokens, "losses": len(stats.loss)}, out)


def sft_steps(out: str, model_path: str, corpus: str) -> None:
    from safetensors.torch import load_file

    from batcoder.sft import SFTConfig, run_sft

    torch.manual_seed(0)
    output = out + ".model"
    run_sft(model_path, corpus, output, SFTConfig(steps=3, lr=5e-3, batch_size=5, eval_examples=4, seed=0), device="cpu", progress=False)
    if os.environ.get("RANK", "0") == "0":
        torch.save({"parameters": load_file(f"{output}/model.safetensors")}, out)


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    {"update": fixed_buffer_update, "sft": sft_steps}[mode](*rest)
