"""Learning test: BatCoder RL on a small fixed set of functions improves back-translation on
functions it never saw. Held-out score = mean over sampled documentations of S(c, c') of their
reconstruction (0 for a rejected documentation), on the corpus's "test" split."""

import json

import pytest
import torch

from batcoder.config import load_config
from batcoder.rollout.rollout import CODE2DOC, BackTranslationRollout, CodeFunction
from batcoder.rollout.scoring import SimilarityScorer
from batcoder.trainer import train

pytestmark = pytest.mark.slow


def held_out_functions(corpus):
    from batcoder.languages import get_language

    python = get_language("python")
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    return [
        CodeFunction(code=row["code"], language="python", signature=python.functions(row["code"])[0].signature)
        for row in rows
        if row["split"] == "test"
    ]


def back_translation_score(model_path, functions, seeds=(11, 12, 13)) -> tuple[float, float]:
    """(mean S over documentations, rejected = 0; valid-documentation rate) with fixed seeds."""
    from batcoder.models import load_model
    from batcoder.rollout.generation import get_backend

    model, tokenizer = load_model(model_path, device="cpu")
    backend = get_backend("hf", model=model, tokenizer=tokenizer)
    scores, valid = [], []
    with SimilarityScorer("cssg", workers=0) as scorer, torch.no_grad():
        rollout = BackTranslationRollout(backend, tokenizer, scorer, docs_per_function=4, max_doc_tokens=64,
                                         max_code_tokens=64, give_signature=True, chunk_functions=len(functions))
        for seed in seeds:
            trajectories, _ = rollout.run(functions, list(range(len(functions))), seed=seed)
            docs = [t for t in trajectories if t.stage == CODE2DOC]
            scores += [t.similarity or 0.0 for t in docs]
            valid += [t.doc_score > 0 for t in docs]
    return sum(scores) / len(scores), sum(valid) / len(valid)


def test_rl_improves_held_out_back_translation(tmp_path, warm_model, small_corpus):
    functions = held_out_functions(small_corpus)
    before, valid_before = back_translation_score(warm_model, functions)
    config = load_config(
        None,
        [
            f"model.path={warm_model}", "model.device=cpu", f"data.corpus={small_corpus}", "data.language=python",
            "rollout.functions_per_step=4", "rollout.docs_per_function=4", "rollout.max_doc_tokens=64",
            "rollout.max_code_tokens=64", "rollout.give_signature=true", "rollout.reward_workers=0",
            "rollout.chunk_functions=4", "rl.micro_batch_size=8", "rl.grad_accumulation=4", "rl.lr=1e-3",
            "rl.dynamic_sampling_limit=1", "run.steps=8", "run.checkpoint_every=0", "run.tensorboard=false",
            f"run.output_dir={tmp_path / 'run'}", "run.threads=2", "run.seed=0",
        ],
    )
    result = train(config)
    after, valid_after = back_translation_score(result.final_model, functions)
    print(f"\nheld-out back-translation similarity: {before:.3f} -> {after:.3f} "
          f"(valid documentations {valid_before:.2f} -> {valid_after:.2f}, {len(functions)} functions x 12 samples)")
    assert after > before
