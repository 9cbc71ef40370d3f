"""A running ``vllm serve`` (or any OpenAI-compatible completions server) as an engine, for
evaluation and reranker sampling on other GPUs: ``get_backend("vllm-server", base_url=..., ...)``.

The prompts are sent as token ids (so the server tokenizes nothing) to ``POST {base_url}/v1/completions``
with ``n``, ``temperature``, ``top_p``, ``max_tokens``, ``seed`` and the stop strings kept in the
output; vLLM's ``return_token_ids`` gives the sampled ids. A server that does not return ids gets
its text re-encoded (exact for the text, not necessarily for the ids: fine for evaluation, not for
training). The server holds its own weights: ``sync_weights`` cannot push the trainer's, so this
engine is refused for training (:attr:`shares_policy_weights` is False).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Sequence

from batcoder.generation.base import Completion, finish_completion, prepare_request


class VLLMServerBackend:
    name = "vllm-server"
    shares_policy_weights = False

    def __init__(self, *, tokenizer, base_url: str = "http://127.0.0.1:8000", served_model: str | None = None,
                 model=None, batch_size: int = 64, timeout_s: float = 600.0):
        self.tokenizer = tokenizer
        self.base_url = base_url.rstrip("/")
        self.served_model = served_model or getattr(model, "name_or_path", None) or getattr(tokenizer, "name_or_path", "")
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.eos_ids = {tokenizer.eos_token_id} - {None}

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
        results: list[list[Completion]] = []
        for start in range(0, len(prompt_ids), self.batch_size):
            batch = prompt_ids[start : start + self.batch_size]
            request = {
                "model": self.served_model,
                "prompt": batch,
                "n": n,
                "max_tokens": max_new_tokens,
                "temperature": temperature,
                "top_p": top_p,
                "stop": list(stop) or None,
                "include_stop_str_in_output": True,
                "skip_special_tokens": True,
                "return_token_ids": True,
                "seed": None if seed is None else seed + start,
            }
            choices = sorted(self._post("/v1/completions", request)["choices"], key=lambda choice: choice["index"])
            if len(choices) != len(batch) * n:
                raise RuntimeError(f"{self.base_url}: asked for {len(batch) * n} completions, got {len(choices)}")
            for offset, ids in enumerate(batch):
                results.append([self._completion(ids, choice, stop) for choice in choices[offset * n : (offset + 1) * n]])
        return results

    def sync_weights(self) -> None:
        raise RuntimeError("vllm-server samples from the server's own weights; train with a colocated engine (hf, vllm)")

    def _completion(self, prompt_ids: list[int], choice: dict, stop: tuple[str, ...]) -> Completion:
        ids = choice.get("token_ids")
        if ids is None:
            ids = self.tokenizer(choice["text"], add_special_tokens=False)["input_ids"]
            if choice.get("finish_reason") == "stop" and not any(s in choice["text"] for s in stop):
                ids = [*ids, *sorted(self.eos_ids)[:1]]  # the EOS the text cannot show
        return finish_completion(self.tokenizer, prompt_ids, list(ids), stop=stop, eos_ids=self.eos_ids)

    def _post(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.load(response)
        except (urllib.error.URLError, TimeoutError) as error:
            raise RuntimeError(f"{self.base_url}{path}: {getattr(error, 'reason', error)}") from None


ENGINE = VLLMServerBackend
