"""``batcoder model pretrain``: train the base model from scratch on a corpus (cached by config hash)."""

from __future__ import annotations

import argparse
import dataclasses


def register_pretrain(commands) -> None:
    from batcoder.models.pretrain import PretrainConfig

    parser = commands.add_parser(
        "pretrain",
        help="pretrain a small Qwen2/Llama causal LM from scratch on a corpus (cached by config hash)",
        description=(
            "Train a small causal LM from scratch: documented functions of the paired languages become "
            "doc<->code pairs in the RL prompts' chat format, every other language is plain code. The model "
            "is written to CACHE_DIR/pretrain-<hash of config and corpus>; a second run with the same inputs "
            "reuses it. Writes batcoder_pretrain.json (tokens/s, time, losses), pretrain_metrics.jsonl and "
            "pretrain_loss.png beside the model."
        ),
    )
    parser.add_argument("--cache-dir", required=True, help="directory holding one subdirectory per pretrained model")
    for item in dataclasses.fields(PretrainConfig):
        flag = "--" + item.name.replace("_", "-")
        default = item.default_factory() if item.default is dataclasses.MISSING else item.default
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        elif isinstance(default, list):
            parser.add_argument(flag, nargs="+", default=default)
        else:
            kind = {"int | None": int, "int": int, "float": float, "str": str}[str(item.type)]
            parser.add_argument(flag, type=kind, default=default, required=item.name == "corpus")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.set_defaults(func=run_pretrain_command)


def run_pretrain_command(args: argparse.Namespace) -> int:
    from batcoder.errors import UserError, first_line
    from batcoder.models.pretrain import PretrainConfig, pretrain

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        config = PretrainConfig(**{item.name: getattr(args, item.name) for item in dataclasses.fields(PretrainConfig)})
        result = pretrain(config, args.cache_dir)
    except (OSError, ValueError) as error:
        raise UserError(first_line(error)) from None
    record = result.record
    verb = "reused" if result.cached else "trained"
    print(
        f"pretrain: {verb} {result.model_dir} ({record['parameters']:,} parameters, {record['tokens_trained']:,} tokens "
        f"in {record['seconds']:.0f} s = {record['tokens_per_s']:,.0f} tokens/s; loss {record['loss_first']:.3f} -> "
        f"{record['loss_last']:.3f}, held-out {record['eval_loss'] if record['eval_loss'] is None else round(record['eval_loss'], 3)})"
    )
    return 0
