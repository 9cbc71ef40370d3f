"""The contract every generation engine keeps (see :mod:`batcoder.generation.base`): the same prompts
give ``n`` completions each with consistent fields, stop strings and EOS end a completion the same
way, a seed reproduces the samples without moving the global RNG, top-p near 0 is greedy.

Every registered engine runs it; one that cannot run here (vLLM needs CUDA) is skipped with the reason.
"""

import pytest
import torch

from batcoder.generation import Completion, available_backends, get_backend
from batcoder.models import encode_prompt


ENGINES = [("hf", {}), ("hf", {"share_prefill": False}), ("hf-continuous", {}), ("vllm", {})]


def ids_of(results):
    return [[completion.completion_ids for completion in group] for group in results]


def engine_id(engine):
    name, options = engine
    return name + "".join(f"-{key}={value}" for key, value in options.items())


@pytest.fixture(scope="module", params=ENGINES, ids=engine_id)
def engine(request):
    name, options = request.param
    if name not in available_backends():
        pytest.fail(f"engine {name!r} is not registered")
    if name == "hf-continuous" and not torch.cuda.is_available():
        pytest.skip("continuous batching takes ~20 s per call on CPU; test_generation checks it once here")
    if name == "vllm":
        pytest.importorskip("vllm", reason="vLLM needs CUDA and is not installed where the tests run")
        if not torch.cuda.is_available():
            pytest.skip("vLLM needs a CUDA device")
    return name, options


@pytest.fixture
def make_backend(engine, model_and_tokenizer):
    name, options = engine

    def make(**extra):
        model, tokenizer = model_and_tokenizer
        return get_backend(name, model=model, tokenizer=tokenizer, **{**options, **extra})

    return make


def test_completion_fields_are_consistent(make_backend, model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    results = make_backend(batch_size=3).generate(prompts, n=2, max_new_tokens=16, seed=3)
    for prompt, group in zip(prompts, results):
        assert len(group) == 2
        for completion in group:
            assert isinstance(completion, Completion)
            assert completion.prompt_ids == encode_prompt(tokenizer, prompt)
            assert tokenizer.decode(completion.completion_ids, skip_special_tokens=True) == completion.text
            ended_with_eos = completion.completion_ids[-1] == tokenizer.eos_token_id
            assert completion.finish_reason == ("stop" if ended_with_eos else "length")
            assert ended_with_eos or len(completion.completion_ids) == 16


def test_n_samples_and_seeds(make_backend, model_and_tokenizer, prompts):
    sampler = make_backend(batch_size=5)
    rng_state = torch.get_rng_state()
    first = sampler.generate(prompts, n=4, max_new_tokens=12, temperature=1.0, seed=7)
    assert torch.equal(torch.get_rng_state(), rng_state), "a seeded call must not move the global RNG"
    again = sampler.generate(prompts, n=4, max_new_tokens=12, temperature=1.0, seed=7)
    other_seed = sampler.generate(prompts, n=4, max_new_tokens=12, temperature=1.0, seed=8)
    assert [len(group) for group in first] == [4] * len(prompts)
    assert first == again
    assert ids_of(first) != ids_of(other_seed)
    assert all(len({tuple(c.completion_ids) for c in group}) > 1 for group in first)  # samples differ
    greedy = sampler.generate(prompts, n=3, max_new_tokens=12, temperature=0)
    assert all(group[0] == group[1] == group[2] for group in greedy)


def test_top_p_near_zero_is_greedy(make_backend, prompts):
    sampler = make_backend()
    greedy = sampler.generate(prompts, max_new_tokens=12, temperature=0)
    nucleus = sampler.generate(prompts, max_new_tokens=12, temperature=1.0, top_p=1e-6, seed=1)
    assert ids_of(nucleus) == ids_of(greedy)


def test_stop_strings_truncate_text_and_ids(make_backend, model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    sampler = make_backend(batch_size=3)
    free = sampler.generate(prompts, temperature=0, max_new_tokens=24)
    # A stop string taken from the middle of the third prompt's free-running output.
    reference = free[2][0]
    stop = reference.text[len(reference.text) // 2 :][:2]
    assert stop.strip() and stop in reference.text
    stopped = sampler.generate(prompts, temperature=0, max_new_tokens=24, stop=[stop, "\x00never\x00"])
    for free_group, stopped_group in zip(free, stopped):
        free_completion, completion = free_group[0], stopped_group[0]
        if stop in free_completion.text:
            assert completion.finish_reason == "stop"
            assert completion.text == free_completion.text[: free_completion.text.index(stop)]
            assert stop not in completion.text
            # ids: the free-running ids up to the token that completes the stop string
            ids = completion.completion_ids
            assert free_completion.completion_ids[: len(ids)] == ids
            assert stop in tokenizer.decode(ids) and stop not in tokenizer.decode(ids[:-1])
        else:
            assert completion == free_completion
    assert stopped[2][0].finish_reason == "stop"


def test_eos_ends_a_sequence_and_is_the_last_completion_id(make_backend, model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    free = make_backend(batch_size=3).generate(prompts, temperature=0, max_new_tokens=24)
    # Declare a token the model emits mid-way as an end-of-sequence token: generation must stop there.
    eos_like = free[0][0].completion_ids[5]
    original = model.generation_config.eos_token_id
    model.generation_config.eos_token_id = eos_like
    try:
        ended = make_backend(batch_size=3).generate(prompts, temperature=0, max_new_tokens=24)
    finally:
        model.generation_config.eos_token_id = original
    for free_group, ended_group in zip(free, ended):
        free_ids, ids = free_group[0].completion_ids, ended_group[0].completion_ids
        if eos_like in free_ids:
            cut = free_ids.index(eos_like) + 1
            assert ids == free_ids[:cut] and ended_group[0].finish_reason == "stop"
        else:
            assert ids == free_ids and ended_group[0].finish_reason == free_group[0].finish_reason
    assert ended[0][0].completion_ids[-1] == eos_like and len(ended[0][0].completion_ids) <= 6


def test_generate_restores_training_mode(make_backend, model_and_tokenizer, prompts):
    model, _ = model_and_tokenizer
    model.train()
    try:
        make_backend().generate(prompts[:1], max_new_tokens=2, seed=0)
        assert model.training
    finally:
        model.eval()
