"""The colocated vLLM engine. Its weight names are checked everywhere; the push itself only where
vLLM runs (CUDA), which the project's CI does not have."""

import pytest
import torch

from batcoder.generation.vllm import policy_weights
from batcoder.models import LoraSettings, load_model


def test_a_merged_lora_model_yields_the_plain_model_s_names_and_merged_values(tiny_dir):
    plain, _ = load_model(tiny_dir, device="cpu")
    lora, _ = load_model(tiny_dir, device="cpu", lora=LoraSettings(r=2))
    with torch.no_grad():
        for name, parameter in lora.named_parameters():
            if "lora_B" in name:
                parameter.fill_(0.5)  # a nonzero adapter: merging must change the base weights
    lora.merge_adapter()
    try:
        pushed = dict(policy_weights(lora, lora=True))
    finally:
        lora.unmerge_adapter()
    assert set(pushed) == {name for name, _ in plain.named_parameters()}
    changed = [name for name, value in pushed.items() if not torch.equal(value, dict(plain.named_parameters())[name])]
    assert changed and all("proj" in name for name in changed)
    assert dict(policy_weights(plain, lora=False)).keys() == pushed.keys()


def test_after_a_push_the_engine_samples_from_the_trainer_s_weights(tiny_dir):
    pytest.importorskip("vllm", reason="vLLM needs CUDA and is not installed where the tests run")
    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a CUDA device")
    from batcoder.generation import get_backend

    model, tokenizer = load_model(tiny_dir, device="cuda")
    engine = get_backend("vllm", model=model, tokenizer=tokenizer, gpu_memory_utilization=0.2)
    hf = get_backend("hf", model=model, tokenizer=tokenizer)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.3)
    engine.sync_weights()
    prompts = ["def add(a, b):", "Count the vowels"]
    assert [c[0].completion_ids for c in engine.generate(prompts, temperature=0, max_new_tokens=8)] == [
        c[0].completion_ids for c in hf.generate(prompts, temperature=0, max_new_tokens=8)
    ]
