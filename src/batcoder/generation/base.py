"""Text generation behind one small interface, so the rollout does not care which engine samples.

An engine is one module ``batcoder/generation/<name>.py`` exposing ``ENGINE``, a class with a
``name`` whose constructor takes keyword arguments (``model=``, ``tokenizer=``, engine options) and
which has ``generate`` with the signature of :class:`GenerationBackend` and ``sync_weights``.
:func:`batcoder.generation.get_backend` finds it; adding an engine means adding one file.

What a :class:`Completion` holds, for every backend:

* ``prompt_ids``: the prompt's token ids, unpadded (BOS included when the tokenizer adds one).
* ``completion_ids``: exactly the sampled tokens, the ones the trainer computes log-probs for; no
  batch padding (a pad token the model sampled itself is kept: it was sampled). When the model
  emitted EOS the EOS token is the last id. When a stop string was produced the ids end with the
  token that completed the first stop string (so the policy learns to stop); later tokens are
  dropped.
* ``text``: ``completion_ids`` decoded without special tokens, cut *before* the first stop string;
  ``decode(completion_ids, skip_special_tokens=True)`` therefore starts with ``text``.
* ``finish_reason``: ``"stop"`` (EOS or a stop string) or ``"length"`` (``max_new_tokens`` reached).

Tokens are drawn from ``softmax(logits / temperature)`` cut to the ``top_p`` nucleus, with no other
processing (no top-k, no repetition penalty), positions counted from each prompt's first token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Completion:
    """One sampled continuation of one prompt."""

    text: str  # decoded completion, cut before the first stop string
    prompt_ids: list[int]  # prompt token ids, unpadded
    completion_ids: list[int]  # sampled token ids: no padding; EOS or the stop string's last token included
    finish_reason: str  # "stop" (EOS or stop string) or "length"


class GenerationBackend(Protocol):
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
        """``n`` completions for each prompt, in prompt order. ``temperature == 0`` is greedy."""
        ...

    def sync_weights(self) -> None:
        """Make the engine sample from the trainer's current weights (a no-op when it shares them)."""
        ...



def finish_completion(
    tokenizer, prompt_ids: list[int], generated_ids: list[int], *, stop: Sequence[str], eos_ids: set[int]
) -> Completion:
    """Turn one raw generated id sequence into a :class:`Completion` (see the module docstring).

    A batch pads a sequence that finished early after its end, which is its first EOS or the
    token completing its first stop string; everything after that end is dropped. A sequence
    that did not finish early holds only sampled tokens (a pad token among them was sampled).
    """
    ids = list(generated_ids)
    finish_reason = "length"
    eos_position = next((i for i, token in enumerate(ids) if token in eos_ids), None)
    if eos_position is not None:
        ids = ids[: eos_position + 1]
        finish_reason = "stop"

    def decode(token_ids: list[int]) -> str:
        return tokenizer.decode(token_ids, skip_special_tokens=True, clean_up_tokenization_spaces=False)

    text = decode(ids)
    if stop and any(s in text for s in stop):
        # The shortest prefix of ids whose text holds a stop string; decoded text only grows as
        # tokens are appended, so a binary search finds it with O(log n) decodes.
        low, high = 1, len(ids)
        while low < high:
            middle = (low + high) // 2
            if any(s in decode(ids[:middle]) for s in stop):
                high = middle
            else:
                low = middle + 1
        ids = ids[:low]
        text = decode(ids)
        text = text[: min(text.find(s) for s in stop if s in text)]
        finish_reason = "stop"
    return Completion(text=text, prompt_ids=list(prompt_ids), completion_ids=ids, finish_reason=finish_reason)


def prepare_request(
    tokenizer, prompts: list[str], *, n: int, max_new_tokens: int, temperature: float, top_p: float, stop: Sequence[str]
) -> tuple[list[list[int]], tuple[str, ...]]:
    """Every engine's argument checks: the prompts' token ids and the non-empty stop strings.

    A bad ``n``/``max_new_tokens``/``temperature``/``top_p`` or a prompt that encodes to no tokens is
    a ValueError (the callers check user values before this, so it means a programming error)."""
    from batcoder.models.prompting import encode_prompt

    if n < 1 or max_new_tokens < 1:
        raise ValueError(f"n and max_new_tokens must be at least 1, got n={n}, max_new_tokens={max_new_tokens}")
    if temperature < 0 or not 0 < top_p <= 1:
        raise ValueError(f"need temperature >= 0 and 0 < top_p <= 1, got {temperature}, {top_p}")
    prompt_ids = [encode_prompt(tokenizer, prompt) for prompt in prompts]
    if empty := [index for index, ids in enumerate(prompt_ids) if not ids]:
        raise ValueError(f"prompts {empty} encode to no tokens; a prompt needs at least one token")
    return prompt_ids, tuple(s for s in stop if s)


def eos_token_ids(generation_config, tokenizer) -> set[int]:
    """The ids that end a sequence: the checkpoint's generation config's and the tokenizer's EOS."""
    eos = generation_config.eos_token_id
    eos = eos if isinstance(eos, (list, tuple)) else [eos]
    return {token for token in [*eos, tokenizer.eos_token_id] if token is not None}
