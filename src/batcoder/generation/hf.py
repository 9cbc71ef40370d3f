"""Hugging Face ``generate`` backend: batched, KV-cached, length-sorted, left-padded.

Prompts (each repeated ``n`` times) are sorted by token length and cut into batches of at most
``batch_size`` rows and, when ``max_batch_tokens`` is set, at most that many padded
prompt + completion tokens, so similar lengths share a batch and little compute goes to padding.
With a ``seed`` the sampling is reproducible for the same prompts and batch settings (on CPU bit for
bit) and the global torch RNG is left untouched; without one the global RNG is used.
"""

from __future__ import annotations

from typing import Sequence

import torch

from batcoder.models.loading import is_lora_model
from batcoder.models.prompting import encode_prompt
from batcoder.generation.base import Completion, finish_completion


class HFBackend:
    """``model.generate`` on batches of prompts.

    ``batch_size``: most sequences (prompt x sample) per ``generate`` call. ``max_batch_tokens``:
    when set, also at most this many sequences x (longest prompt + ``max_new_tokens``) per call,
    which bounds the KV cache's memory.
    """

    name = "hf"

    def __init__(self, *, model, tokenizer, batch_size: int = 32, max_batch_tokens: int | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        eos = model.generation_config.eos_token_id
        eos = eos if isinstance(eos, (list, tuple)) else [eos]
        self.eos_ids = {token for token in [*eos, tokenizer.eos_token_id] if token is not None}

    def generate(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> list[list[Completion]]:
        if n < 1 or max_new_tokens < 1:
            raise ValueError(f"n and max_new_tokens must be at least 1, got n={n}, max_new_tokens={max_new_tokens}")
        if temperature < 0 or not 0 < top_p <= 1:
            raise ValueError(f"need temperature >= 0 and 0 < top_p <= 1, got {temperature}, {top_p}")
        stop = tuple(s for s in stop if s)
        prompt_ids = [encode_prompt(self.tokenizer, prompt) for prompt in prompts]
        if empty := [index for index, ids in enumerate(prompt_ids) if not ids]:
            raise ValueError(f"prompts {empty} encode to no tokens; a prompt needs at least one token")
        greedy = temperature == 0
        # Greedy samples of one prompt are identical: generate one and copy it.
        samples_per_prompt = 1 if greedy else n
        rows = [(index, sample) for index in range(len(prompts)) for sample in range(samples_per_prompt)]
        rows.sort(key=lambda row: len(prompt_ids[row[0]]))

        generated: dict[tuple[int, int], list[int]] = {}
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.random.fork_rng(devices=self._rng_devices(), enabled=seed is not None):
                if seed is not None:
                    torch.manual_seed(seed)
                for batch in self._batches(rows, prompt_ids, max_new_tokens):
                    outputs = self._generate_batch(
                        [prompt_ids[index] for index, _ in batch], max_new_tokens, temperature, top_p, stop
                    )
                    generated.update(zip(batch, outputs))
        finally:
            self.model.train(was_training)

        results = []
        for index in range(len(prompts)):
            completions = [
                finish_completion(
                    self.tokenizer, prompt_ids[index], generated[(index, sample)],
                    stop=stop, eos_ids=self.eos_ids,
                )
                for sample in range(samples_per_prompt)
            ]
            results.append(completions * n if greedy else completions)
        return results

    def sync_weights(self) -> None:
        """Nothing to do: ``generate`` runs on the trainer's own model object."""

    def _rng_devices(self) -> list:
        device = self.model.device
        return [device] if device.type == "cuda" else []

    def _batches(self, rows, prompt_ids, max_new_tokens):
        batch: list[tuple[int, int]] = []
        for row in rows:
            # Rows are sorted by prompt length, so the newest row is the longest of the batch.
            padded_tokens = (len(batch) + 1) * (len(prompt_ids[row[0]]) + max_new_tokens)
            too_many_tokens = self.max_batch_tokens is not None and padded_tokens > self.max_batch_tokens
            if batch and (len(batch) == self.batch_size or too_many_tokens):
                yield batch
                batch = []
            batch.append(row)
        if batch:
            yield batch

    def _generate_batch(self, batch_prompt_ids, max_new_tokens, temperature, top_p, stop) -> list[list[int]]:
        from transformers import GenerationConfig

        width = max(len(ids) for ids in batch_prompt_ids)
        input_ids = [[self.pad_id] * (width - len(ids)) + ids for ids in batch_prompt_ids]
        attention_mask = [[0] * (width - len(ids)) + [1] * len(ids) for ids in batch_prompt_ids]
        device = self.model.device
        if temperature > 0:
            sampling = dict(do_sample=True, temperature=temperature, top_p=top_p, top_k=0)
        else:
            sampling = dict(do_sample=False)
        config = GenerationConfig(
            max_new_tokens=max_new_tokens,
            eos_token_id=sorted(self.eos_ids),
            pad_token_id=self.pad_id,
            use_cache=True,
            stop_strings=list(stop) or None,
            **sampling,
        )
        # generate() fills every setting left unset in `config` from model.generation_config (a
        # checkpoint's top_k, repetition_penalty, min_p, ...). The completions must come from the
        # plain policy the trainer scores, so the model's own config is swapped out meanwhile.
        # (A peft model generates with its base model's config.)
        transformers_model = self.model.get_base_model() if is_lora_model(self.model) else self.model
        checkpoint_config = transformers_model.generation_config
        transformers_model.generation_config = config
        try:
            output = self.model.generate(
                input_ids=torch.tensor(input_ids, device=device),
                attention_mask=torch.tensor(attention_mask, device=device),
                generation_config=config,
                tokenizer=self.tokenizer if stop else None,
            )
        finally:
            transformers_model.generation_config = checkpoint_config
        return output[:, width:].tolist()


ENGINE = HFBackend
