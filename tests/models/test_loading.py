import pytest
import torch

from batcoder.models import LoraSettings, load_model, save_model


def logits_of(model, tokenizer, text="def add(a, b):\n    return a + b"):
    ids = torch.tensor([tokenizer(text)["input_ids"]])
    with torch.no_grad():
        return model(input_ids=ids).logits


def test_load_model_prepares_for_batched_generation(tiny_dir):
    model, tokenizer = load_model(tiny_dir, device="cpu")
    assert tokenizer.padding_side == "left" and tokenizer.pad_token_id is not None
    assert model.generation_config.pad_token_id == tokenizer.pad_token_id
    assert next(model.parameters()).dtype == torch.float32 and not model.training
    assert not model.is_activation_checkpointing
    model, _ = load_model(tiny_dir, device="cpu", dtype="bfloat16", gradient_checkpointing=True)
    assert next(model.parameters()).dtype == torch.bfloat16 and model.is_activation_checkpointing
    with pytest.raises(ValueError, match="unknown dtype"):
        load_model(tiny_dir, device="cpu", dtype="float8")


def test_missing_local_models_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load_model(tmp_path / "missing", device="cpu")
    with pytest.raises(FileNotFoundError, match="not a model directory"):
        load_model(tmp_path, device="cpu")


def test_tokenizer_without_pad_token_falls_back_to_eos(tiny_dir, tmp_path):
    model, tokenizer = load_model(tiny_dir, device="cpu")
    tokenizer.pad_token = None
    save_model(model, tokenizer, tmp_path / "nopad")
    _, reloaded = load_model(tmp_path / "nopad", device="cpu")
    assert reloaded.pad_token == reloaded.eos_token


def perturbed_lora_model(tiny_dir):
    model, tokenizer = load_model(tiny_dir, device="cpu", lora=LoraSettings(r=4, alpha=8, dropout=0.0))
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in name for name in trainable)
    with torch.no_grad():  # a freshly initialised adapter is a no-op (lora_B = 0); make it count
        generator = torch.Generator().manual_seed(0)
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    return model, tokenizer


def test_lora_merge_saves_a_plain_model_with_the_same_outputs(tiny_dir, tmp_path):
    base, _ = load_model(tiny_dir, device="cpu")
    model, tokenizer = perturbed_lora_model(tiny_dir)
    adapted = logits_of(model, tokenizer)
    assert not torch.allclose(adapted, logits_of(base, tokenizer), atol=1e-3)

    output = save_model(model, tokenizer, tmp_path / "merged", merge_lora=True)
    assert (output / "config.json").is_file() and not (output / "adapter_config.json").exists()
    merged, merged_tokenizer = load_model(output, device="cpu")
    assert not any("lora_" in name for name, _ in merged.named_parameters())
    torch.testing.assert_close(logits_of(merged, merged_tokenizer), adapted, atol=1e-4, rtol=1e-4)
    # Saving merged did not strip the adapter from the model being trained.
    assert any("lora_" in name for name, _ in model.named_parameters())


def test_lora_adapter_round_trip(tiny_dir, tmp_path):
    model, tokenizer = perturbed_lora_model(tiny_dir)
    output = save_model(model, tokenizer, tmp_path / "adapter")
    assert (output / "adapter_config.json").is_file()
    reloaded, reloaded_tokenizer = load_model(output, device="cpu")
    torch.testing.assert_close(logits_of(reloaded, reloaded_tokenizer), logits_of(model, tokenizer))
    assert any(p.requires_grad for name, p in reloaded.named_parameters() if "lora_" in name)
    with pytest.raises(ValueError, match="already holds a LoRA adapter"):
        load_model(output, device="cpu", lora=LoraSettings())


def test_save_model_replaces_atomically_and_keeps_the_old_model_on_failure(tiny_dir, tmp_path):
    model, tokenizer = load_model(tiny_dir, device="cpu")
    output = tmp_path / "out"
    save_model(model, tokenizer, output)
    with torch.no_grad():
        model.model.embed_tokens.weight.add_(1.0)
    save_model(model, tokenizer, output)  # replacing an existing model works
    reloaded, _ = load_model(output, device="cpu")
    torch.testing.assert_close(reloaded.model.embed_tokens.weight, model.model.embed_tokens.weight)

    class FailingTokenizer:
        def save_pretrained(self, directory):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_model(model, FailingTokenizer(), output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging leftovers
    load_model(output, device="cpu")  # the previous model is intact


def test_trained_weights_stay_float32_and_gpu_forward_passes_autocast():
    import torch

    from batcoder.models.loading import training_precision

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    # bf16 holds 8 significant bits: a 1e-6 step on a weight of 0.02 rounds away
    assert torch.tensor(0.02, dtype=torch.bfloat16) + 1e-6 == torch.tensor(0.02, dtype=torch.bfloat16)
    assert training_precision("bfloat16", cuda, lora=False) == (torch.float32, torch.bfloat16)
    assert training_precision("bfloat16", cuda, lora=True) == (torch.bfloat16, torch.bfloat16)
    assert training_precision("float32", cuda, lora=False) == (torch.float32, None)
    assert training_precision("bfloat16", cpu, lora=False) == (torch.float32, None)
    assert training_precision("auto", cpu, lora=True) == (torch.float32, None)
