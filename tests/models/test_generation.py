import pytest
import torch

from batcoder.models import LoraSettings, encode_prompt, load_model, render_prompt
from batcoder.generation import Completion, available_backends, finish_completion, get_backend

PROMPT_TEXTS = ["def add(a, b):", "x", "def first_word(text):\n    words = text.split()", "return", "Count the vowels",
                "def clamp(value, low, high):\n    return max(low, min(value, high))\n\ndef"]


def randomize_weights(model, seed):
    """Larger random weights make greedy outputs differ from prompt to prompt (a fresh 0.02-std
    initialisation mostly repeats one token), so comparisons of outputs mean something."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() == 2:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
    return model


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_dir):
    model, tokenizer = load_model(tiny_dir, device="cpu")
    return randomize_weights(model, seed=0), tokenizer


@pytest.fixture(scope="module")
def prompts(model_and_tokenizer):
    _, tokenizer = model_and_tokenizer
    return [render_prompt(tokenizer, [{"role": "user", "content": text}]) for text in PROMPT_TEXTS]


def backend(model_and_tokenizer, **options):
    model, tokenizer = model_and_tokenizer
    return get_backend("hf", model=model, tokenizer=tokenizer, **options)


def ids_of(results):
    return [[completion.completion_ids for completion in group] for group in results]


def test_registry():
    assert "hf" in available_backends()
    with pytest.raises(ValueError, match="unknown generation backend 'nope'; available: .*hf"):
        get_backend("nope")


def test_length_sorted_batches_give_the_same_greedy_outputs_as_one_at_a_time(model_and_tokenizer, prompts):
    one_at_a_time = backend(model_and_tokenizer, batch_size=1).generate(prompts, temperature=0, max_new_tokens=24)
    batched = backend(model_and_tokenizer, batch_size=4).generate(prompts, temperature=0, max_new_tokens=24)
    by_budget = backend(model_and_tokenizer, max_batch_tokens=150).generate(prompts, temperature=0, max_new_tokens=24)
    assert ids_of(batched) == ids_of(one_at_a_time) == ids_of(by_budget)
    assert len({tuple(group[0].completion_ids) for group in batched}) == len(prompts)  # a real comparison


def test_completion_fields_are_consistent(model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    results = backend(model_and_tokenizer, batch_size=3).generate(prompts, n=2, max_new_tokens=16, seed=3)
    for prompt, group in zip(prompts, results):
        assert len(group) == 2
        for completion in group:
            assert isinstance(completion, Completion)
            assert completion.prompt_ids == encode_prompt(tokenizer, prompt)
            assert tokenizer.decode(completion.completion_ids, skip_special_tokens=True) == completion.text
            ended_with_eos = completion.completion_ids[-1] == tokenizer.eos_token_id
            assert completion.finish_reason == ("stop" if ended_with_eos else "length")
            assert ended_with_eos or len(completion.completion_ids) == 16


def test_n_samples_and_seeds(model_and_tokenizer, prompts):
    sampler = backend(model_and_tokenizer, batch_size=5)
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


def test_top_p_near_zero_is_greedy(model_and_tokenizer, prompts):
    sampler = backend(model_and_tokenizer)
    greedy = sampler.generate(prompts, max_new_tokens=12, temperature=0)
    nucleus = sampler.generate(prompts, max_new_tokens=12, temperature=1.0, top_p=1e-6, seed=1)
    assert ids_of(nucleus) == ids_of(greedy)


@pytest.mark.parametrize("lora", [False, True])
def test_checkpoint_sampling_defaults_are_ignored(tiny_dir, prompts, lora):
    model, tokenizer = load_model(tiny_dir, device="cpu", lora=LoraSettings(r=2) if lora else None)
    transformers_model = model.get_base_model() if lora else model
    sampler = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=3)
    plain = sampler.generate(prompts, n=2, max_new_tokens=10, seed=5)
    checkpoint_config = transformers_model.generation_config
    polluted = checkpoint_config.__class__.from_dict(checkpoint_config.to_dict())
    polluted.update(top_k=1, repetition_penalty=5.0, min_new_tokens=10, no_repeat_ngram_size=1, min_p=0.5)
    transformers_model.generation_config = polluted
    assert sampler.generate(prompts, n=2, max_new_tokens=10, seed=5) == plain
    assert transformers_model.generation_config is polluted  # restored after generating


def test_stop_strings_truncate_text_and_ids(model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    sampler = backend(model_and_tokenizer, batch_size=3)
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


def test_eos_ends_a_sequence_and_is_the_last_completion_id(model_and_tokenizer, prompts):
    model, tokenizer = model_and_tokenizer
    free = backend(model_and_tokenizer, batch_size=3).generate(prompts, temperature=0, max_new_tokens=24)
    # Declare a token the model emits mid-way as an end-of-sequence token: generation must stop there.
    eos_like = free[0][0].completion_ids[5]
    original = model.generation_config.eos_token_id
    model.generation_config.eos_token_id = eos_like
    try:
        ended = backend(model_and_tokenizer, batch_size=3).generate(prompts, temperature=0, max_new_tokens=24)
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


def test_generate_restores_training_mode(model_and_tokenizer, prompts):
    model, _ = model_and_tokenizer
    model.train()
    try:
        backend(model_and_tokenizer).generate(prompts[:1], max_new_tokens=2, seed=0)
        assert model.training
    finally:
        model.eval()


def test_finish_completion_cuts_after_the_first_eos(model_and_tokenizer):
    _, tokenizer = model_and_tokenizer
    word = tokenizer("return", add_special_tokens=False)["input_ids"]
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    done = finish_completion(tokenizer, [1], word + [eos] + word + [pad], stop=(), eos_ids={eos})
    assert (done.text, done.completion_ids, done.finish_reason) == ("return", word + [eos], "stop")
    cut = finish_completion(tokenizer, [1], word + word + [pad], stop=("rn",), eos_ids={eos})
    assert (cut.text, cut.finish_reason) == ("retu", "stop")
    assert "rn" in tokenizer.decode(cut.completion_ids) and "rn" not in tokenizer.decode(cut.completion_ids[:-1])
    running = finish_completion(tokenizer, [1], word + [pad], stop=("zz",), eos_ids={eos})
    assert (running.completion_ids, running.finish_reason) == (word + [pad], "length")


def test_bad_arguments(model_and_tokenizer, prompts):
    sampler = backend(model_and_tokenizer)
    with pytest.raises(ValueError):
        sampler.generate(prompts, n=0)
    with pytest.raises(ValueError):
        sampler.generate(prompts, top_p=0.0)
    with pytest.raises(ValueError):
        backend(model_and_tokenizer, batch_size=0)
    with pytest.raises(ValueError, match=r"prompts \[1\] encode to no tokens"):
        sampler.generate(["x", ""])


def test_llama_architecture_generates_the_same_batched_and_alone(corpus_path, tmp_path, tiny_settings):
    from batcoder.models import init_tiny

    model, tokenizer = load_model(init_tiny(corpus_path, tmp_path / "llama", architecture="llama", **tiny_settings))
    randomize_weights(model, seed=1)
    texts = [render_prompt(tokenizer, [{"role": "user", "content": text}]) for text in PROMPT_TEXTS]
    alone = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=1)
    batched = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=6)
    alone, batched = (backend.generate(texts, temperature=0, max_new_tokens=16) for backend in (alone, batched))
    assert ids_of(batched) == ids_of(alone)
    assert len({tuple(group[0].completion_ids) for group in batched}) > 1
