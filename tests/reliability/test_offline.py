"""Offline fast: a name that is neither a local path nor servable by the hub fails at once, without
a call into the hub's retrying loaders."""

import pytest

from batcoder import hub


@pytest.fixture
def no_hub_loading(monkeypatch):
    """Loading from the hub (where retries take 25-60 s offline) fails the test."""
    import datasets
    import transformers

    def forbidden(*args, **kwargs):
        pytest.fail(f"the hub loader was called with {args}")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", forbidden)
    monkeypatch.setattr(datasets, "load_dataset", forbidden)


@pytest.fixture
def unreachable_hub(monkeypatch):
    """HF_HUB_OFFLINE unset, and no connection to the hub's endpoint."""
    import datasets.config
    from huggingface_hub import constants

    def refused(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub.socket, "create_connection", refused)
    hub._endpoint_unreachable.cache_clear()
    yield
    hub._endpoint_unreachable.cache_clear()


def test_a_missing_path_that_looks_like_a_hub_id_fails_before_any_hub_call(tmp_path, monkeypatch, no_hub_loading):
    from batcoder.models import load_model

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    with pytest.raises(FileNotFoundError, match="in/nope: no such model directory"):
        load_model("in/nope")


def test_sft_with_an_unknown_model_name_offline_is_one_line_at_once(tmp_path, refused, corpus, no_hub_loading):
    refused(["sft", "--model", "nope", "--corpus", str(corpus), "--output", str(tmp_path / "out"), "--steps", "1"],
            "nope", "offline")


def test_an_unreachable_hub_counts_as_offline_for_models(unreachable_hub, no_hub_loading):
    from batcoder.models import load_model

    with pytest.raises(FileNotFoundError, match="offline"):
        load_model("nope")


def test_mbpp_from_an_unreachable_hub_is_loaded_in_offline_mode(unreachable_hub, monkeypatch):
    import datasets

    from batcoder.eval import BenchmarkDataError, get_benchmark

    offline_during_load = []

    def load_dataset(*args, **kwargs):
        offline_during_load.append(datasets.config.HF_HUB_OFFLINE)
        raise ConnectionError("Couldn't reach the hub")

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    with pytest.raises(BenchmarkDataError, match="--data"):
        get_benchmark("mbpp").problems()
    assert offline_during_load == [True]  # cache only: no retries
    assert datasets.config.HF_HUB_OFFLINE is False  # and as it was after


def test_data_build_of_a_missing_path_that_looks_like_a_hub_id_fails_at_once(tmp_path, refused, monkeypatch,
                                                                             no_hub_loading):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    refused(["data", "build", "in/nope", "-l", "python", "-o", str(tmp_path / "c.jsonl")], "in/nope", "does not exist")
