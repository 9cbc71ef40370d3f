"""``batcoder model init-tiny``: build the tiny CPU model from a corpus; ``batcoder model pretrain``."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    model = subparsers.add_parser("model", help="model utilities")
    commands = model.add_subparsers(dest="model_command", required=True)
    init = commands.add_parser(
        "init-tiny",
        help="build a small random-weight Qwen2/Llama model with a BPE tokenizer trained on a corpus",
        description=(
            "Build a small randomly initialised causal LM (Qwen2 or Llama architecture) and a byte-level "
            "BPE tokenizer trained on the corpus's code and docstrings, saved as a Hugging Face model "
            "directory. Random weights know nothing: run `batcoder sft` on it first (a warm-up on the "
            "corpus's docstring/code pairs) so that an RL run on CPU has something to improve."
        ),
    )
    init.add_argument("--corpus", required=True, help="corpus JSONL (from `batcoder data build`)")
    init.add_argument("--output", required=True, help="directory to write the model to")
    init.add_argument("--architecture", choices=("qwen2", "llama"), default="qwen2")
    init.add_argument("--vocab-size", type=int, default=4096, help="upper bound on the tokenizer's vocabulary")
    init.add_argument("--hidden-size", type=int, default=256)
    init.add_argument("--num-layers", type=int, default=4)
    init.add_argument("--num-heads", type=int, default=4)
    init.add_argument("--num-kv-heads", type=int, default=2)
    init.add_argument("--intermediate-size", type=int, default=None, help="MLP width (default 2.75 x hidden)")
    init.add_argument("--max-positions", type=int, default=2048, help="maximum sequence length")
    init.add_argument("--seed", type=int, default=0, help="seed of the random initialisation")
    init.set_defaults(func=run_init_tiny)
    from batcoder.models.pretrain_cli import register_pretrain

    register_pretrain(commands)


def run_init_tiny(args: argparse.Namespace) -> int:
    from batcoder.errors import UserError, first_line
    from batcoder.models.tiny import init_tiny

    try:
        path = init_tiny(
            args.corpus,
            args.output,
            architecture=args.architecture,
            vocab_size=args.vocab_size,
            hidden_size=args.hidden_size,
            num_layers=args.num_layers,
            num_heads=args.num_heads,
            num_kv_heads=args.num_kv_heads,
            intermediate_size=args.intermediate_size,
            max_position_embeddings=args.max_positions,
            seed=args.seed,
        )
    except (OSError, ValueError) as error:
        raise UserError(first_line(error)) from None
    print(f"tiny model written to {path}")
    return 0

