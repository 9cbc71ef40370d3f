"""Load and save Hugging Face causal LMs, optionally wrapped with a LoRA adapter (peft).

``load_model`` accepts a local directory or a hub id, a full model or a saved LoRA adapter
directory (its ``adapter_config.json`` names the base model). The tokenizer comes back ready for
batched generation: a pad token is set and padding is on the left.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass
class LoraSettings:
    """LoRA adapter settings (peft ``LoraConfig``)."""

    r: int = 16  # rank of the low-rank update matrices
    alpha: int = 32  # scaling numerator: the update is scaled by alpha / r
    dropout: float = 0.05  # dropout on the adapter's input during training
    target_modules: list[str] | str = "all-linear"  # module names to adapt, or "all-linear" (all but the LM head)

    def __post_init__(self) -> None:
        if self.r <= 0:
            raise ValueError(f"LoRA r must be positive, got {self.r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"LoRA dropout must be in [0, 1), got {self.dropout}")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` as given, else CUDA when available, else CPU. A device this machine does not have
    (``banana``, ``cuda`` without a GPU, ``cuda:3`` with one) is a :class:`UserError`."""
    from batcoder.errors import UserError

    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise UserError(f"device {device!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
    if resolved.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise UserError(f"device {device!r}: this machine has no CUDA GPU (use cpu)")
        if resolved.index is not None and resolved.index >= count:
            raise UserError(f"device {device!r}: this machine has {count} CUDA GPU(s)")
    elif resolved.type == "mps" and not torch.backends.mps.is_available():
        raise UserError(f"device {device!r}: MPS is not available on this machine")
    elif resolved.type not in ("cpu", "cuda", "mps"):
        raise UserError(f"device {device!r}: only cpu, cuda and mps are supported")
    return resolved


def resolve_dtype(dtype: str | torch.dtype, device: torch.device) -> torch.dtype:
    """``"auto"`` is bfloat16 on a GPU that supports it and float32 otherwise."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    names = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
             "float16": torch.float16, "fp16": torch.float16}
    if dtype not in names:
        raise ValueError(f"unknown dtype {dtype!r}; expected 'auto' or one of {sorted(names)}")
    return names[dtype]


def training_precision(dtype: str | torch.dtype, device: torch.device, *, lora: bool) -> tuple[torch.dtype, torch.dtype | None]:
    """``(dtype to store the weights in, dtype forward passes autocast to or None)`` for training.

    Trained weights stay float32: bfloat16 keeps 8 significant bits, so an update of a
    learning rate like 1e-6 rounds away and full bfloat16 training silently stops learning. The
    forward passes run in ``dtype`` under autocast on a GPU. With LoRA only the adapter is trained
    (peft keeps it float32), so the frozen base is stored in ``dtype`` itself.
    """
    compute = resolve_dtype(dtype, device)
    autocast = compute if device.type == "cuda" and compute != torch.float32 else None
    return (compute if lora else torch.float32), autocast


def prepare_tokenizer(tokenizer):
    """Left padding (generation appends on the right) and a pad token: the tokenizer's own, else
    its EOS token. Pad positions are always masked, so sharing the id with EOS is harmless."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError("tokenizer has neither a pad token nor an EOS token")
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def check_local_model(source: str) -> None:
    """Fail at once when ``source`` names a local path that holds no model, or a hub id the hub cannot
    serve: offline (``HF_HUB_OFFLINE`` or unreachable) and not in the local cache."""
    from batcoder.hub import hub_offline, looks_like_local_path

    path = Path(source).expanduser()
    if looks_like_local_path(source):
        if not path.is_dir():
            raise FileNotFoundError(f"{source}: no such model directory")
        if not ((path / "config.json").is_file() or (path / "adapter_config.json").is_file()):
            raise FileNotFoundError(f"{source}: not a model directory (no config.json or adapter_config.json)")
    elif hub_offline():
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(source, "config.json"), str):
            raise FileNotFoundError(
                f"{source}: no such local directory, and the Hugging Face hub is offline with no cached copy"
            )


def load_model(
    name_or_path: str | os.PathLike,
    *,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype = "auto",
    lora: LoraSettings | None = None,
    gradient_checkpointing: bool = False,
):
    """Load ``(model, tokenizer)``; wrap the model with a fresh LoRA adapter when ``lora`` is given.

    A directory holding a saved adapter (``adapter_config.json``) loads its base model and the
    adapter, trainable. The model is moved to ``device`` and left in eval mode. A name that is neither
    a model directory nor a hub model the hub (or, offline, its cache) can serve fails at once.
    """
    from batcoder.hub import offline_when_unreachable

    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, device)
    source = str(name_or_path)
    check_local_model(source)
    with offline_when_unreachable():  # a cached hub model loads without the hub's retries
        return _load(source, device, torch_dtype, lora, gradient_checkpointing)


def _load(source: str, device: torch.device, torch_dtype: torch.dtype, lora: LoraSettings | None,
          gradient_checkpointing: bool):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    is_adapter = (Path(source) / "adapter_config.json").is_file()
    if is_adapter and lora is not None:
        raise ValueError(f"{source} already holds a LoRA adapter; load it without new LoRA settings")

    if is_adapter:
        from peft import PeftConfig, PeftModel

        base_path = PeftConfig.from_pretrained(source).base_model_name_or_path
        base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch_dtype, device_map=device)
        model = PeftModel.from_pretrained(base, source, is_trainable=True)
    else:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, device_map=device)
    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(source))
    model.generation_config.pad_token_id = tokenizer.pad_token_id

    if gradient_checkpointing:
        # Non-reentrant checkpointing works with frozen embeddings (LoRA) without extra hooks.
        model.activation_checkpointing_enable({"use_reentrant": False})
    if lora is not None:
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=lora.target_modules,
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config)
    model.to(device)  # places a new adapter's weights (the base was loaded onto the device)
    model.eval()
    return model, tokenizer


def is_lora_model(model) -> bool:
    from peft import PeftModel

    return isinstance(model, PeftModel)


def save_model(
    model, tokenizer, output_dir: str | os.PathLike, merge_lora: bool = False, *,
    command: str = "save-model", records: dict[str, dict] | None = None,
) -> Path:
    """Write ``save_pretrained`` output of model and tokenizer to ``output_dir`` atomically.

    Everything is written to a temporary sibling directory first and renamed into place, so a
    crash never leaves a half-written model. A LoRA model is saved as its adapter, or — with
    ``merge_lora`` — merged into a plain model (a merged copy is made; ``model`` keeps its adapter).
    ``records`` (file name -> JSON data) are written beside the model; the directory is marked as
    ``command``'s output (see :func:`staged_directory`).
    """
    from batcoder.data.jsonl import write_json

    output_dir = Path(output_dir)
    to_save = model
    if merge_lora and is_lora_model(model):
        to_save = copy.deepcopy(model).merge_and_unload()
    with staged_directory(output_dir, command) as staging:
        to_save.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        for name, data in (records or {}).items():
            write_json(staging / name, data)
    return output_dir


@contextmanager
def staged_directory(output_dir: str | os.PathLike, command: str):
    """Yield a temporary sibling of ``output_dir`` to write into; on success it is marked as
    ``command``'s output and replaces ``output_dir`` (renames only), on failure it is removed and
    ``output_dir`` is left untouched. An existing ``output_dir`` is only replaced when every file in
    it was written by batcoder (:func:`batcoder.outputs.check_replaceable_directory`): a user's
    files are never removed. A full disk is an :class:`~batcoder.outputs.OutputError` naming it."""
    from batcoder.outputs import (
        WRITE_ERRNOS, cannot_write, check_replaceable_directory, mark_directory, temporary_prefix,
    )

    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise NotADirectoryError(f"{output_dir} exists and is not a directory")
    if output_dir.is_dir():
        check_replaceable_directory(output_dir)
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=temporary_prefix(output_dir.name) + "tmp-", dir=output_dir.parent))
    except OSError as error:
        raise cannot_write(output_dir, error) from None
    try:
        yield staging
        mark_directory(staging, command)
        if output_dir.exists():
            check_replaceable_directory(output_dir)  # again: the user may have added files meanwhile
            previous = Path(tempfile.mkdtemp(prefix=temporary_prefix(output_dir.name) + "old-", dir=output_dir.parent))
            os.replace(output_dir, previous / "replaced")
            os.replace(staging, output_dir)
            shutil.rmtree(previous)
        else:
            os.replace(staging, output_dir)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if error.errno in WRITE_ERRNOS:
            raise cannot_write(output_dir, error) from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
