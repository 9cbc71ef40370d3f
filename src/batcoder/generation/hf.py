"""Hugging Face ``generate`` backend: batched, KV-cached, length-sorted, left-padded.

Prompts (each repeated ``n`` times) are sorted by token length and cut into batches of at most
``batch_size`` rows and, when ``max_batch_tokens`` is set, at most that many padded
prompt + completion tokens, so similar lengths share a batch and little compute goes to padding.
With ``share_prefill`` (the default) each distinct prompt of a batch is run through the model once
and its KV cache copied to its ``n`` sample rows, instead of ``n`` identical prefill passes
(``generate``'s own ``num_return_sequences`` repeats the prompt before the prefill).
With a ``seed`` the sampling is reproducible for the same prompts and batch settings (on CPU bit for
bit) and the global torch RNG is left untouched; without one the global RNG is used.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Sequence

import torch

from batcoder.models.loading import is_lora_model
from batcoder.generation.base import Completion, eos_token_ids, finish_completion, prepare_request


class HFBackend:
    """``model.generate`` on batches of prompts.

    ``batch_size``: most sequences (prompt x sample) per ``generate`` call. ``max_batch_tokens``:
    when set, also at most this many sequences x (longest prompt + ``max_new_tokens``) per call,
    which bounds the KV cache's memory. ``share_prefill``: prefill each distinct prompt once per batch.
    """

    name = "hf"

    def __init__(
        self, *, model, tokenizer, batch_size: int = 32, max_batch_tokens: int | None = None, share_prefill: bool = True
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.share_prefill = share_prefill
        # transformers renamed the models' `past_key_values` to `cache` (5.2x; generate() passes it through
        # its **kwargs, so the model's forward says which name this version reads); accept both.
        self._cache_argument = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.eos_ids = eos_token_ids(model.generation_config, tokenizer)

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
        prompt_ids, stop = prepare_request(
            self.tokenizer, prompts, n=n, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, stop=stop
        )
        greedy = temperature == 0
        # Greedy samples of one prompt are identical: generate one and copy it.
        samples_per_prompt = 1 if greedy else n
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.random.fork_rng(devices=self._rng_devices(), enabled=seed is not None), self._policy_config(
                max_new_tokens, temperature, top_p, stop
            ) as config:
                if seed is not None:
                    torch.manual_seed(seed)
                generated = self._sample(prompt_ids, samples_per_prompt, config, stop)
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

    @contextmanager
    def _policy_config(self, max_new_tokens: int, temperature: float, top_p: float, stop: tuple[str, ...]):
        """The plain sampling config of the policy, installed as the model's own for the duration.

        generate() fills every setting left unset in a config from model.generation_config (a
        checkpoint's top_k, repetition_penalty, min_p, ...). The completions must come from the plain
        policy the trainer scores, so the model's own config is swapped out meanwhile. (A peft model
        generates with its base model's config.)
        """
        from transformers import GenerationConfig

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
        transformers_model = self.model.get_base_model() if is_lora_model(self.model) else self.model
        checkpoint_config = transformers_model.generation_config
        transformers_model.generation_config = config
        try:
            yield config
        finally:
            transformers_model.generation_config = checkpoint_config

    def _sample(self, prompt_ids, samples_per_prompt, config, stop) -> dict[tuple[int, int], list[int]]:
        """Raw generated ids of every (prompt index, sample index), length-sorted into batches."""
        rows = [(index, sample) for index in range(len(prompt_ids)) for sample in range(samples_per_prompt)]
        rows.sort(key=lambda row: len(prompt_ids[row[0]]))
        generated: dict[tuple[int, int], list[int]] = {}
        for batch in self._batches(rows, prompt_ids, config.max_new_tokens):
            outputs = self._generate_batch([prompt_ids[index] for index, _ in batch], config, stop)
            generated.update(zip(batch, outputs))
        return generated

    def _generate_batch(self, batch_prompt_ids, config, stop) -> list[list[int]]:
        width = max(len(ids) for ids in batch_prompt_ids)
        input_ids = torch.tensor([[self.pad_id] * (width - len(ids)) + ids for ids in batch_prompt_ids], device=self.model.device)
        attention_mask = torch.tensor(
            [[0] * (width - len(ids)) + [1] * len(ids) for ids in batch_prompt_ids], device=self.model.device
        )
        output = self.model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            **{self._cache_argument: self._shared_prefill(batch_prompt_ids, input_ids, attention_mask)},
            generation_config=config,
            tokenizer=self.tokenizer if stop else None,
        )
        return output[:, width:].tolist()

    def _shared_prefill(self, batch_prompt_ids, input_ids, attention_mask):
        """The KV cache of every row's prompt but its last token, computed once per distinct prompt
        and copied to the rows that repeat it (``None`` when no prompt repeats: nothing to share).
        ``generate`` then runs only the last prompt token, with the positions it would have used."""
        from transformers import DynamicCache

        distinct: dict[tuple[int, ...], int] = {}
        row_to_distinct = [distinct.setdefault(tuple(ids), len(distinct)) for ids in batch_prompt_ids]
        if not self.share_prefill or len(distinct) == len(batch_prompt_ids) or input_ids.shape[1] < 2:
            return None
        first_rows = torch.tensor([row_to_distinct.index(index) for index in range(len(distinct))], device=input_ids.device)
        prefix_ids, prefix_mask = input_ids[first_rows, :-1], attention_mask[first_rows, :-1]
        # The positions generate() derives from a left-padded attention mask.
        position_ids = (prefix_mask.long().cumsum(-1) - 1).masked_fill(prefix_mask == 0, 1)
        cache = DynamicCache(config=self.model.config)
        with torch.no_grad():
            self.model(input_ids=prefix_ids, attention_mask=prefix_mask, position_ids=position_ids,
                       **{self._cache_argument: cache}, use_cache=True)
        cache.batch_select_indices(torch.tensor(row_to_distinct, device=input_ids.device))
        return cache


ENGINE = HFBackend
