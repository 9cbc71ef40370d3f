"""The update's log-probs: those of the distribution the sampler drew from (temperature included),
computed only at response positions, equal to the full-vocabulary computation there."""

import pytest
import torch

from batcoder.models import load_model
from batcoder.rl.replay import Experience, collate
from batcoder.training.logprobs import response_log_probs


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_model):
    torch.manual_seed(0)
    return load_model(tiny_model, device="cpu")


def _batch():
    experiences = [Experience([5, 6, 7, 8, 9], [10, 11, 12], 1.0, "s"), Experience([5, 6], [13, 14, 15, 16, 17], 1.0, "s"),
                   Experience([5, 6, 7], [18], 1.0, "s")]
    return collate(experiences, [0, 1, 2], pad_token_id=0)


def test_response_positions_only_equal_the_full_computation(model_and_tokenizer):
    model, _ = model_and_tokenizer
    batch = _batch()
    with torch.no_grad():
        full = torch.log_softmax(model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits[:, :-1].float() / 0.7, -1)
        expected = full.gather(-1, batch.input_ids[:, 1:].unsqueeze(-1)).squeeze(-1) * batch.action_mask
        got = response_log_probs(model, batch.input_ids, batch.attention_mask, batch.action_mask, temperature=0.7)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert (got[batch.action_mask == 0] == 0).all()


def test_log_probs_are_those_of_the_sampling_distribution(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    temperature = 0.25
    prompt = torch.tensor([[5, 6, 7, 8]])
    torch.manual_seed(1)
    out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=True, temperature=temperature, top_k=0, top_p=1.0,
                         max_new_tokens=6, output_scores=True, return_dict_in_generate=True,
                         pad_token_id=tokenizer.pad_token_id)
    sampled = out.sequences[0, prompt.shape[1]:]
    sampler = torch.stack([torch.log_softmax(score[0].float(), -1)[token] for score, token in zip(out.scores, sampled)])
    batch = collate([Experience(prompt[0].tolist(), sampled.tolist(), 1.0, "s")], [0], pad_token_id=0)
    with torch.no_grad():
        trained = response_log_probs(model, batch.input_ids, batch.attention_mask, batch.action_mask, temperature)
        untempered = response_log_probs(model, batch.input_ids, batch.attention_mask, batch.action_mask, 1.0)
    trained, untempered = trained[batch.action_mask.bool()], untempered[batch.action_mask.bool()]
    torch.testing.assert_close(trained, sampler, atol=1e-4, rtol=1e-4)
    assert (untempered - sampler).abs().max() > 0.5  # what the update used before: another distribution
