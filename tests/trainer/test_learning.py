"""Learning test: BatCoder RL on a small fixed set of functions raises the back-translation
similarity measured on held-out samples: fresh sampling seeds (temperature 1, as in training)
that RL never trained on. Score = mean over sampled documentations of S(c, c') of their
reconstruction, 0 for a rejected documentation, i.e. E[S · 1(R_doc > 0)] under the policy.

The policy is the tiny fixture model after a short SFT warm-up; held-out *functions* are beyond a
0.1M-parameter model that has seen eight, so the samples, not the functions, are held out."""

import json

import pytest
import torch

from batcoder.config import load_config
from batcoder.languages import get_language
from batcoder.rollout.backtranslation import BackTranslationRollout, CodeFunction, back_translation_score
from batcoder.training import train

pytestmark = pytest.mark.slow

EVAL_SEEDS = (9_001, 9_002, 9_003)  # far from the trainer's seeds (seed * 100003² + step * 100003 + ...)


def corpus_functions(corpus):
    python = get_language("python")
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    return [CodeFunction(code=r["code"], language="python", signature=python.functions(r["code"])[0].signature) for r in rows]


def held_out_sample_score(model_path, functions):
    from batcoder.models import load_model
    from batcoder.generation import get_backend

    model, tokenizer = load_model(model_path, device="cpu")
    backend = get_backend("hf", model=model, tokenizer=tokenizer)
    config = load_config(None, ["rollout.docs_per_function=4", "rollout.max_doc_tokens=64", "rollout.max_code_tokens=64",
                                "rollout.give_signature=true", "rollout.reward_workers=0", f"rollout.chunk_functions={len(functions)}"])
    with BackTranslationRollout(backend, tokenizer, config) as rollout, torch.no_grad():
        return back_translation_score(rollout, functions, EVAL_SEEDS)


def test_rl_improves_back_translation_on_held_out_samples(tmp_path, warm_model, small_corpus):
    functions = corpus_functions(small_corpus)
    before = held_out_sample_score(warm_model, functions)
    config = load_config(
        None,
        [
            f"model.path={warm_model}", "model.device=cpu", f"data.corpus={small_corpus}", "data.language=python",
            "rollout.functions_per_step=4", "rollout.docs_per_function=4", "rollout.max_doc_tokens=64",
            "rollout.max_code_tokens=64", "rollout.give_signature=true", "rollout.reward_workers=0",
            "rollout.chunk_functions=4", "rl.micro_batch_size=8", "rl.grad_accumulation=4", "rl.lr=1e-4",
            "rl.dynamic_sampling=true", "rl.dynamic_sampling_limit=1", "run.steps=10", "run.checkpoint_every=0", "run.tensorboard=false",
            f"run.output_dir={tmp_path / 'run'}", "run.threads=2", "run.seed=0",
        ],
    )
    result = train(config)
    after = held_out_sample_score(result.final_model, functions)
    print(f"\nback-translation similarity on held-out samples: {before.score:.3f} -> {after.score:.3f} "
          f"(valid documentations {before.valid_rate:.2f} -> {after.valid_rate:.2f}; "
          f"{len(functions)} functions x {before.documentations // len(functions)} samples)")
    assert after.score > before.score
