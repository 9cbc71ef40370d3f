"""Flag values are checked before any work: each bad one is a one-line error, nothing is loaded or run."""

import json

import pytest


@pytest.fixture
def samples(tmp_path):
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return True\n"}) + "\n")
    return path


@pytest.fixture
def nothing_loads(monkeypatch):
    import batcoder.models
    from batcoder.eval import runner

    def forbidden(*args, **kwargs):
        pytest.fail("work started before the flag values were checked")

    monkeypatch.setattr(batcoder.models, "load_model", forbidden)
    monkeypatch.setattr(runner, "run_samples", forbidden)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0"])
def test_evaluate_timeout_must_be_finite_and_positive(tmp_path, refused, samples, nothing_loads, value):
    refused(["evaluate", "--benchmark", "humaneval", "--samples", str(samples), "--output", str(tmp_path / "r.jsonl"),
             f"--timeout={value}"], "--timeout")


@pytest.mark.parametrize("flag, value", [("--temperature", "-1"), ("--temperature", "nan"), ("--top-p", "5"),
                                         ("--top-p", "0"), ("--top-p", "nan")])
def test_evaluate_sampling_values_with_model(tmp_path, refused, model_dir, nothing_loads, flag, value):
    refused(["evaluate", "--benchmark", "humaneval", "--model", str(model_dir), "--output", str(tmp_path / "r.jsonl"),
             f"{flag}={value}"], flag)


@pytest.mark.parametrize("device", ["banana", "cuda:99", "tpu"])
def test_a_device_this_machine_does_not_have(tmp_path, refused, model_dir, corpus, nothing_loads, device):
    refused(["evaluate", "--benchmark", "humaneval", "--model", str(model_dir), "--output", str(tmp_path / "r.jsonl"),
             "--device", device], device)
    refused(["sft", "--model", str(model_dir), "--corpus", str(corpus), "--output", str(tmp_path / "out"),
             "--device", device], device)


def test_cuda_on_a_machine_without_one(monkeypatch):
    import torch

    from batcoder.errors import UserError
    from batcoder.models.loading import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match="no CUDA GPU"):
        resolve_device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("flag", ["--num-layers", "--hidden-size", "--num-heads", "--max-positions", "--intermediate-size"])
def test_init_tiny_sizes_must_be_positive(tmp_path, refused, corpus, flag):
    refused(["model", "init-tiny", "--corpus", str(corpus), "--output", str(tmp_path / "tiny"), flag, "-1"],
            flag.lstrip("-").replace("-", "_").replace("max_positions", "max_position_embeddings"))
    assert not (tmp_path / "tiny").exists()
