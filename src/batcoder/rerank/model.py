"""The reranker: one scalar score for a (problem, candidate) pair, from any Hugging Face model.

Two heads:

* ``classification``: ``AutoModelForSequenceClassification`` with one label (its ``score`` layer
  reads the last non-pad token);
* ``value``: the transformer of a causal LM (``AutoModel``, no LM head) and a linear value head on
  the hidden state of the last non-pad token, so a reranker can start from the generator itself.

The text scored is the problem's prompt followed by the candidate completion
(:func:`rerank_text`) and, for a reranker with ``execution_inputs`` > 0, the candidate's outputs on
that many generated inputs (:mod:`batcoder.rerank.execution`, LEVER's verifier input), truncated
from the left to ``max_length`` tokens so the candidate's end is always seen. A saved reranker is a
normal HF model directory plus ``reranker.json`` (head, max length, execution inputs) and, for the
value head, ``value_head.safetensors`` beside it. LoRA is merged on saving, so
a saved reranker loads without peft.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Sequence

import torch

HEADS = ("value", "classification")
RERANKER_FILE = "reranker.json"
VALUE_HEAD_FILE = "value_head.safetensors"


def rerank_text(prompt: str, completion: str) -> str:
    """What the reranker reads for one candidate: the program as the model wrote it."""
    return prompt + completion


def last_token_index(attention_mask: torch.Tensor) -> torch.Tensor:
    """Per row, the position of the last attended token (left or right padding alike)."""
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    return (positions * attention_mask.long()).argmax(dim=1)


class Reranker(torch.nn.Module):
    """``forward(input_ids, attention_mask) -> scores`` of shape (batch,), plus tokenising helpers."""

    def __init__(self, backbone, tokenizer, head: str, value_head: torch.nn.Linear | None = None, max_length: int = 1024,
                 execution_inputs: int = 0):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown reranker head {head!r}; expected one of {', '.join(HEADS)}")
        if (head == "value") != (value_head is not None):
            raise ValueError("the value head needs a value_head layer, the classification head none")
        self.backbone = backbone
        self.value_head = value_head
        self.tokenizer = tokenizer
        self.head = head
        self.max_length = max_length
        self.execution_inputs = execution_inputs

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.head == "classification":
            return self.backbone(input_ids=input_ids, attention_mask=attention_mask).logits[:, 0].float()
        hidden = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        last = hidden[torch.arange(hidden.shape[0], device=hidden.device), last_token_index(attention_mask)]
        return self.value_head(last.to(self.value_head.weight.dtype)).squeeze(-1).float()

    def encode(self, texts: Sequence[str]) -> dict[str, torch.Tensor]:
        """A padded batch of ``texts`` on the model's device, each cut to its last ``max_length`` tokens."""
        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {"input_ids": batch["input_ids"].to(self.device), "attention_mask": batch["attention_mask"].to(self.device)}

    def score_texts(self, texts: Sequence[str], batch_size: int = 16) -> list[float]:
        """Scores of ``texts`` in order, without gradients; the training mode is restored after."""
        was_training = self.training
        self.eval()
        scores: list[float] = []
        try:
            with torch.no_grad():
                for start in range(0, len(texts), batch_size):
                    scores.extend(self(**self.encode(texts[start : start + batch_size])).tolist())
        finally:
            self.train(was_training)
        return scores

    def texts(self, candidates: Sequence[tuple[str, str, str]]) -> list[str]:
        """What the reranker reads for each ``(prompt, completion, language)``: the program, then its
        execution note when the reranker reads execution (the candidates run in the sandbox)."""
        programs = [rerank_text(prompt, completion) for prompt, completion, _ in candidates]
        if not self.execution_inputs:
            return programs
        from batcoder.rerank.execution import execution_notes

        notes = execution_notes([(program, c[2]) for program, c in zip(programs, candidates)], self.execution_inputs)
        return [f"{program.rstrip()}\n{note}\n" for program, note in zip(programs, notes)]

    def score(self, candidates: Sequence[tuple[str, str, str]], batch_size: int = 16) -> list[float]:
        """Scores of ``(prompt, completion, language)`` candidates in order."""
        return self.score_texts(self.texts(candidates), batch_size)

    def save(self, output_dir: str | Path) -> Path:
        """Write the reranker as an HF directory atomically (LoRA merged); returns ``output_dir``."""
        from safetensors.torch import save_file

        from batcoder.models.loading import is_lora_model, staged_directory

        backbone = self.backbone
        if is_lora_model(backbone):
            backbone = copy.deepcopy(backbone).merge_and_unload()
        with staged_directory(output_dir, "rerank train") as staging:
            backbone.save_pretrained(staging)
            self.tokenizer.save_pretrained(staging)
            if self.value_head is not None:
                state = {name: tensor.detach().contiguous().cpu() for name, tensor in self.value_head.state_dict().items()}
                save_file(state, str(staging / VALUE_HEAD_FILE))
            (staging / RERANKER_FILE).write_text(
                json.dumps({"head": self.head, "max_length": self.max_length, "execution_inputs": self.execution_inputs},
                           indent=2) + "\n", encoding="utf-8"
            )
        return Path(output_dir)


def _tokenizer(source: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError(f"{source}: the tokenizer has neither a pad token nor an EOS token")
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.truncation_side = "left"  # keep the candidate's end
    return tokenizer


def _backbone(source: str, head: str, tokenizer, dtype: torch.dtype, device: torch.device):
    from transformers import AutoModel, AutoModelForSequenceClassification

    if head == "classification":
        model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=1, dtype=dtype)
        model.config.pad_token_id = tokenizer.pad_token_id
    else:
        model = AutoModel.from_pretrained(source, dtype=dtype)
    return model.to(device)


def create_reranker(
    base: str | Path,
    *,
    head: str = "value",
    max_length: int = 1024,
    execution_inputs: int = 0,
    lora=None,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> Reranker:
    """A new reranker on the HF model ``base`` (its new head initialised from ``seed``) that reads
    ``execution_inputs`` generated inputs' outputs besides the code (0: the code alone);
    ``lora`` (:class:`batcoder.models.LoraSettings`) trains an adapter and the head only."""
    from batcoder.models.loading import check_local_model, resolve_device

    if head not in HEADS:
        raise ValueError(f"unknown reranker head {head!r}; expected one of {', '.join(HEADS)}")
    source = str(base)
    check_local_model(source)
    device = resolve_device(device)
    tokenizer = _tokenizer(source)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        backbone = _backbone(source, head, tokenizer, torch.float32, device)
        value_head = None
        if head == "value":
            value_head = torch.nn.Linear(backbone.config.hidden_size, 1).to(device)
            torch.nn.init.normal_(value_head.weight, std=backbone.config.hidden_size**-0.5)
            torch.nn.init.zeros_(value_head.bias)
    if lora is not None:
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=lora.target_modules,
            task_type="SEQ_CLS" if head == "classification" else "FEATURE_EXTRACTION",
        )
        backbone = get_peft_model(backbone, config)
    return Reranker(backbone, tokenizer, head, value_head, max_length, execution_inputs)


def is_reranker_dir(path: str | Path) -> bool:
    return (Path(path) / RERANKER_FILE).is_file()


def load_reranker(path: str | Path, *, device: str | torch.device | None = None) -> Reranker:
    """The reranker saved at ``path`` (by :meth:`Reranker.save`)."""
    from safetensors.torch import load_file

    from batcoder.models.loading import resolve_device

    path = Path(path)
    if not is_reranker_dir(path):
        raise FileNotFoundError(f"{path}: not a reranker directory (no {RERANKER_FILE})")
    settings = json.loads((path / RERANKER_FILE).read_text(encoding="utf-8"))
    head = settings.get("head")
    if head not in HEADS:
        raise ValueError(f"{path / RERANKER_FILE}: key 'head' must be one of {', '.join(HEADS)}, got {head!r}")
    device = resolve_device(device)
    tokenizer = _tokenizer(str(path))
    backbone = _backbone(str(path), head, tokenizer, torch.float32, device)
    value_head = None
    if head == "value":
        value_head = torch.nn.Linear(backbone.config.hidden_size, 1)
        value_head.load_state_dict(load_file(str(path / VALUE_HEAD_FILE)))
        value_head.to(device)
    reranker = Reranker(backbone, tokenizer, head, value_head, int(settings.get("max_length", 1024)),
                        int(settings.get("execution_inputs", 0)))
    reranker.eval()
    return reranker
