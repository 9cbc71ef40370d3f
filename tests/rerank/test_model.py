import pytest
import torch

from batcoder.rerank.model import create_reranker, last_token_index, load_reranker


def test_last_token_index_left_and_right_padding():
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 0], [1, 1, 1, 1]])
    assert last_token_index(mask).tolist() == [3, 2, 3]


@pytest.mark.parametrize("head", ["value", "classification"])
def test_scores_are_one_per_text_independent_of_padding_and_survive_save_load(tiny_lm, tmp_path, head):
    reranker = create_reranker(tiny_lm, head=head, device="cpu", seed=1)
    texts = ["def f():\n    return 1\n", "x = 1", "def much_longer_function(a, b, c):\n    return a + b + c\n"]
    together = reranker.score_texts(texts, batch_size=3)
    alone = [reranker.score_texts([text])[0] for text in texts]
    assert len(together) == 3 and together == pytest.approx(alone, abs=1e-5)
    assert len(set(round(score, 6) for score in together)) == 3  # the text matters
    reranker.save(tmp_path / "saved")
    loaded = load_reranker(tmp_path / "saved", device="cpu")
    assert loaded.head == head
    assert loaded.score_texts(texts) == pytest.approx(together, abs=1e-5)


def test_an_execution_reading_reranker_reads_the_outputs_and_keeps_that_when_saved(tiny_lm, tmp_path):
    program = ("def add_one(xs: list[int]) -> list[int]:\n", "    return [x + 1 for x in xs]\n", "python")
    plain = create_reranker(tiny_lm, device="cpu", seed=1)
    reading = create_reranker(tiny_lm, device="cpu", seed=1, execution_inputs=3)
    assert plain.texts([program]) == [program[0] + program[1]]
    text = reading.texts([program])[0]
    assert text.startswith(program[0] + program[1]) and text.count("\n# (") == 3
    assert reading.score([program]) == pytest.approx(reading.score_texts([text]), abs=1e-6) != plain.score([program])
    loaded = load_reranker(reading.save(tmp_path / "reading"), device="cpu")
    assert loaded.execution_inputs == 3 and loaded.texts([program]) == [text]
    assert load_reranker(plain.save(tmp_path / "plain"), device="cpu").execution_inputs == 0


def test_lora_trains_only_adapter_and_head_and_saves_merged(tiny_lm, tmp_path):
    from batcoder.models import LoraSettings

    reranker = create_reranker(tiny_lm, head="value", device="cpu", lora=LoraSettings(r=2, alpha=4, dropout=0.0))
    trainable = [name for name, parameter in reranker.named_parameters() if parameter.requires_grad]
    assert trainable and all("lora_" in name or name.startswith("value_head") for name in trainable)
    with torch.no_grad():
        for name, parameter in reranker.named_parameters():
            if "lora_B" in name:
                parameter.fill_(0.05)
    before = reranker.score_texts(["def f():\n    return 1\n"])
    reranker.save(tmp_path / "lora")
    assert not (tmp_path / "lora" / "adapter_config.json").exists()
    assert load_reranker(tmp_path / "lora").score_texts(["def f():\n    return 1\n"]) == pytest.approx(before, abs=1e-5)


def test_loading_a_directory_that_is_not_a_reranker_fails_clearly(tiny_lm):
    with pytest.raises(FileNotFoundError, match="not a reranker directory"):
        load_reranker(tiny_lm)
