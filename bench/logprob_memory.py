"""Peak memory of the update's log-prob pass (forward + backward of one micro-batch): full-vocabulary
logits at every position (the former pass) against logits for response positions only, one
sequence's float32 log-softmax at a time (:func:`batcoder.training.logprobs.response_log_probs`).

Each variant runs in a fresh process and reports its peak resident memory above the model's
(``ru_maxrss``), so the two do not share an allocator's cache.

    .venv/bin/python bench/logprob_memory.py                      # the quickstart's SFT model
    .venv/bin/python bench/logprob_memory.py --model DIR --batch 16 --prompt 240 --response 110
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys


def measure(variant: str, model_path: str, batch: int, prompt: int, response: int) -> dict:
    import torch

    from batcoder.models import load_model
    from batcoder.rl.replay import Experience, collate
    from batcoder.training.logprobs import response_log_probs

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model, _ = load_model(model_path, device="cpu")
    model.train()
    vocab = model.config.vocab_size
    experiences = [
        Experience(torch.randint(5, vocab, (prompt - 7 * row,)).tolist(), torch.randint(5, vocab, (response - 3 * row,)).tolist(), 1.0, "s")
        for row in range(batch)
    ]
    micro = collate(experiences, list(range(batch)), pad_token_id=0)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if variant == "full":
        logits = model(input_ids=micro.input_ids, attention_mask=micro.attention_mask).logits[:, :-1]
        log_probs = torch.log_softmax(logits.float(), dim=-1).gather(-1, micro.input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    else:
        log_probs = response_log_probs(model, micro.input_ids, micro.attention_mask, micro.action_mask)
    (log_probs * micro.action_mask).sum().backward()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"variant": variant, "peak_above_model_mib": (peak - baseline) / 1024, "seq": micro.input_ids.shape[1],
            "response_tokens": int(micro.action_mask.sum()), "vocab": vocab}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/quickstart/sft-model")
    parser.add_argument("--batch", type=int, default=16, help="sequences per micro-batch (quickstart: rl.micro_batch_size 16)")
    parser.add_argument("--prompt", type=int, default=240, help="longest prompt, tokens")
    parser.add_argument("--response", type=int, default=110, help="longest response, tokens")
    parser.add_argument("--variant", choices=("full", "response"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.model, args.batch, args.prompt, args.response)))
        return 0
    results = []
    for variant in ("full", "response"):
        command = [sys.executable, __file__, "--variant", variant, "--model", args.model, "--batch", str(args.batch),
                   "--prompt", str(args.prompt), "--response", str(args.response)]
        results.append(json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]))
    first = results[0]
    print(f"micro-batch {args.batch} x {first['seq']} tokens ({first['response_tokens']} response tokens), vocab {first['vocab']:,}")
    for result in results:
        print(f"  {result['variant']:>8}: peak {result['peak_above_model_mib']:8.1f} MiB above the loaded model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
