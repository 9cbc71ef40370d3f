import pytest
import torch

from batcoder.generation import available_backends, finish_completion, get_backend
from batcoder.models import LoraSettings, load_model, render_prompt


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


def test_llama_architecture_generates_the_same_batched_and_alone(corpus_path, tmp_path, tiny_settings, randomize_weights, prompt_texts):
    from batcoder.models import init_tiny

    model, tokenizer = load_model(init_tiny(corpus_path, tmp_path / "llama", architecture="llama", **tiny_settings))
    randomize_weights(model, seed=1)
    texts = [render_prompt(tokenizer, [{"role": "user", "content": text}]) for text in prompt_texts]
    alone = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=1)
    batched = get_backend("hf", model=model, tokenizer=tokenizer, batch_size=6)
    alone, batched = (backend.generate(texts, temperature=0, max_new_tokens=16) for backend in (alone, batched))
    assert ids_of(batched) == ids_of(alone)
    assert len({tuple(group[0].completion_ids) for group in batched}) > 1


def test_shared_prefill_continues_each_prompt_exactly_as_its_own_prefill(model_and_tokenizer, prompts):
    """Rows that repeat a prompt get a copy of its KV cache: greedy continuations equal the unshared ones."""
    _, tokenizer = model_and_tokenizer
    ids = [tokenizer(text)["input_ids"] for text in prompts[:3]]
    rows = [ids[0], ids[0], ids[1], ids[2], ids[2], ids[1]]  # mixed lengths: left padding differs per row
    outputs = {}
    for share in (True, False):
        sampler = backend(model_and_tokenizer, share_prefill=share)
        with sampler._policy_config(12, 0.0, 1.0, ()) as config:
            assert (sampler._shared_prefill(rows, torch.ones(6, 2, dtype=torch.long), torch.ones(6, 2, dtype=torch.long)) is None) is (not share)
            outputs[share] = sampler._generate_batch(rows, config, ())
    assert outputs[True] == outputs[False]
    assert outputs[True][0] == outputs[True][1] != outputs[True][2]


def test_continuous_batching_continues_greedily_like_generate(model_and_tokenizer, prompts):
    """One call on CPU (the full contract runs where CUDA is): same greedy ids as plain generate."""
    model, tokenizer = model_and_tokenizer
    continuous = get_backend("hf-continuous", model=model, tokenizer=tokenizer)
    picked = prompts[:2]
    assert ids_of(continuous.generate(picked, temperature=0, max_new_tokens=8)) == ids_of(
        backend(model_and_tokenizer).generate(picked, temperature=0, max_new_tokens=8)
    )
