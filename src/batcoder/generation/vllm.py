"""vLLM colocated with the trainer (extra ``[vllm]``; needs CUDA): ``LLM(...)`` in this process, the
policy's weights pushed into it by :meth:`VLLMBackend.sync_weights` after every optimizer step.

NOT RUN BY THE PROJECT'S CI: vLLM does not install where the tests run (no CUDA), so the contract
test skips this engine there. The design follows TRL's colocate mode:

* the engine loads the policy's starting weights from ``model.name_or_path`` (a directory or hub id);
* ``sync_weights`` pushes every parameter of the trainer's model (LoRA: adapters merged, pushed,
  unmerged) through the vLLM model's ``load_weights``, then resets the prefix cache so no KV block
  computed with the old weights is reused;
* with ``enable_sleep_mode`` the engine frees its weights and KV cache while the trainer updates
  (:meth:`sleep`) and takes them back in ``sync_weights``;
* stop strings are kept in the output (``include_stop_str_in_output``) so that
  :func:`~batcoder.generation.base.finish_completion` cuts ids and text exactly as the HF engine does.
"""

from __future__ import annotations

import os
from typing import Sequence

from batcoder.generation.base import Completion, eos_token_ids, finish_completion, prepare_request
from batcoder.models.loading import is_lora_model


class VLLMBackend:
    """A colocated ``vllm.LLM`` sampling from the trainer's current weights."""

    name = "vllm"

    def __init__(
        self,
        *,
        model,
        tokenizer,
        batch_size: int = 256,
        gpu_memory_utilization: float = 0.4,
        max_model_len: int | None = None,
        enable_sleep_mode: bool = False,
        dtype: str = "bfloat16",
    ):
        # The weights are written through the engine's model object, which must live in this process.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        from vllm import LLM

        self.model = model
        self.tokenizer = tokenizer
        self.enable_sleep_mode = enable_sleep_mode
        self._asleep = False
        source = model.get_base_model() if is_lora_model(model) else model
        self.llm = LLM(
            model=source.name_or_path,
            tokenizer=source.name_or_path,
            dtype=dtype,
            gpu_memory_utilization=gpu_memory_utilization,
            max_model_len=max_model_len,
            max_num_seqs=batch_size,
            enable_sleep_mode=enable_sleep_mode,
            enable_prefix_caching=True,
        )
        self.eos_ids = eos_token_ids(source.generation_config, tokenizer)

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
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        self._wake_up()
        prompt_ids, stop = prepare_request(
            self.tokenizer, prompts, n=n, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, stop=stop
        )
        greedy = temperature == 0
        params = SamplingParams(
            n=1 if greedy else n,
            temperature=temperature,
            top_p=1.0 if greedy else top_p,
            top_k=-1,
            max_tokens=max_new_tokens,
            stop=list(stop) or None,
            include_stop_str_in_output=True,
            stop_token_ids=sorted(self.eos_ids),
            skip_special_tokens=True,
            seed=seed,
        )
        outputs = self.llm.generate([TokensPrompt(prompt_token_ids=ids) for ids in prompt_ids], params, use_tqdm=False)
        results = []
        for ids, output in zip(prompt_ids, outputs):
            completions = [
                finish_completion(self.tokenizer, ids, list(sample.token_ids), stop=stop, eos_ids=self.eos_ids)
                for sample in output.outputs
            ]
            results.append(completions * n if greedy else completions)
        return results

    def sleep(self) -> None:
        """Free the engine's weights and KV cache while the trainer updates (sleep mode only)."""
        if self.enable_sleep_mode and not self._asleep:
            self.llm.sleep(level=1)
            self._asleep = True

    def sync_weights(self) -> None:
        """Push the trainer's current weights into the engine and drop its now stale prefix cache."""
        self._wake_up()
        engine_model = self.llm.llm_engine.model_executor.driver_worker.model_runner.model
        lora = is_lora_model(self.model)
        if lora:
            self.model.merge_adapter()
        try:
            engine_model.load_weights(list(policy_weights(self.model, lora)))
        finally:
            if lora:
                self.model.unmerge_adapter()
        self.llm.reset_prefix_cache()

    def _wake_up(self) -> None:
        if self._asleep:
            self.llm.wake_up()
            self._asleep = False


def policy_weights(model, lora: bool):
    """``(name, tensor)`` of the plain model the engine holds: a merged peft model's base weights
    under their original names, adapter tensors left out."""
    for name, parameter in model.named_parameters():
        if lora:
            if "lora_" in name:
                continue
            name = name.removeprefix("base_model.model.").replace(".base_layer", "")
        yield name, parameter.data


ENGINE = VLLMBackend
