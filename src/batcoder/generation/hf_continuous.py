"""Hugging Face continuous batching (``model.generate_batch``: paged attention, requests scheduled
token by token) behind the same contract as :mod:`batcoder.generation.hf`.

It pays where many sequences of very different lengths share a GPU; on CPU it is far slower than
plain ``generate`` (measured with the quickstart-size tiny model: about 250 against 5,000–7,000
generated tokens/s), so ``hf`` stays the default. Stop strings are applied to the finished ids
(:func:`~batcoder.generation.base.finish_completion`): the same completions, some tokens wasted.
"""

from __future__ import annotations

from batcoder.generation.hf import HFBackend


class HFContinuousBackend(HFBackend):
    """``model.generate_batch`` over all prompts at once (``batch_size`` and ``share_prefill`` unused:
    the scheduler forms its own batches and its paged cache shares nothing between samples)."""

    name = "hf-continuous"

    def _sample(self, prompt_ids, samples_per_prompt, config, stop) -> dict[tuple[int, int], list[int]]:
        config.num_return_sequences = samples_per_prompt
        config.stop_strings = None
        outputs = self.model.generate_batch(prompt_ids, generation_config=config, progress_bar=False, warmup=False)
        generated = {}
        for index in range(len(prompt_ids)):
            # The scheduler names request i "req_i" and its extra samples "req_i__child#j".
            names = [f"req_{index}", *(f"req_{index}__child#{child}" for child in range(samples_per_prompt - 1))]
            for sample, name in enumerate(names):
                generated[index, sample] = list(outputs[name].generated_tokens)
        return generated


ENGINE = HFContinuousBackend
