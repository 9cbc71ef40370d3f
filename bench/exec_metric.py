"""How fast is the ``exec`` similarity metric, and does it tell equivalent from changed programs?

For world programs (a small world of ``--seed``) in each language, every reference gets three
candidates: a renaming (equivalent), a constant mutant (one constant of one step changed: usually
another behaviour) and an unrelated program of the same signature. The caches are cleared before
each measurement, so every reference and every candidate runs once in the sandbox (a reference's
outputs are reused for its candidates, as in RL where K reconstructions share one reference).

Prints, per language: pairs/s scored one by one (``similarity``) and batched (``score_pairs``, as the
RL step scores them: the functions of a chunk of pairs share sandbox runs), one process and one
sandbox worker; the mean score per candidate kind; CSSG's pairs/s on the same pairs for comparison.

    .venv/bin/python bench/exec_metric.py                        # python ruby go, 40 references each
    .venv/bin/python bench/exec_metric.py --languages python --references 200
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace


def _candidates(world_programs, rng):
    from batcoder.world.primitives import BY_NAME, CONSTANT_VALUES

    by_signature = {}
    for program in world_programs:
        by_signature.setdefault(tuple(program.argument_types), []).append(program)
    for program in world_programs:
        renamed = replace(program, input_name=program.input_name + "_in",
                          steps=tuple(replace(step, output=f"{step.output}_{i}") for i, step in enumerate(program.steps)))
        mutable = [(i, j) for i, step in enumerate(program.steps) for j, value in enumerate(step.constants) if value is not None]
        mutant = None
        if mutable:
            i, j = rng.choice(mutable)
            step = program.steps[i]
            kind = BY_NAME[step.primitive].constants[j]
            value = rng.choice([v for v in CONSTANT_VALUES[kind] if v != step.constants[j]])
            constants = step.constants[:j] + (value,) + step.constants[j + 1:]
            mutant = replace(program, steps=program.steps[:i] + (replace(step, constants=constants),) + program.steps[i + 1:])
        others = [p for p in by_signature[tuple(program.argument_types)] if p is not program]
        yield program, {"renamed": renamed, "mutant": mutant, "other": rng.choice(others) if others else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["python", "ruby", "go"])
    parser.add_argument("--references", type=int, default=40, help="references per language")
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()

    from batcoder.similarity import score_pairs, similarity
    from batcoder.similarity.metrics import exec as exec_metric
    from batcoder.world import generate_world, render, world_config

    world = generate_world(world_config(args.seed, "small", pretrain_python=0, pretrain_go=0, rl=0,
                                        pretrain_ruby=max(args.references * 2, 50)))
    programs = [item.program for item in world.pretrain["ruby"]][: args.references]
    rng = random.Random(args.seed)
    cases = [(reference, kind, candidate) for reference, candidates in _candidates(programs, rng)
             for kind, candidate in candidates.items() if candidate is not None]
    similarity(render(programs[0], "python"), render(programs[0], "python"), "python", "exec")  # start the sandbox
    print(f"{len(programs)} references, {len(cases)} pairs per language (world seed {args.seed})")
    print(f"{'language':<9}{'exec 1-by-1':>12}{'exec batched':>14}{'cssg':>9}  (pairs/s)  mean exec: renamed / mutant / other  not exercisable")
    for language in args.languages:
        pairs = [(render(r, language), render(c, language), kind) for r, kind, c in cases]
        def fresh():
            exec_metric._cache.clear()
            exec_metric.reset_stats()

        if language == "go":  # the Go runner compiles the standard library once; not part of the rate
            similarity(pairs[0][0], pairs[0][0], "go", "exec")
        fresh()
        started = time.perf_counter()
        scores = [similarity(reference, candidate, language, "exec") for reference, candidate, _ in pairs]
        one_by_one = len(pairs) / (time.perf_counter() - started)
        fresh()
        started = time.perf_counter()
        batched_scores = score_pairs([(reference, candidate, language) for reference, candidate, _ in pairs], "exec")
        batched = len(pairs) / (time.perf_counter() - started)
        assert batched_scores == scores, "batched scores differ from one-by-one scores"
        started = time.perf_counter()
        for reference, candidate, _ in pairs:
            similarity(reference, candidate, language, "cssg")
        cssg_rate = len(pairs) / (time.perf_counter() - started)
        means = []
        for kind in ("renamed", "mutant", "other"):
            values = [s for s, (_, _, k) in zip(scores, pairs) if k == kind]
            means.append(f"{sum(values) / len(values):.3f}" if values else "n/a")
        stats = exec_metric.stats()
        print(f"{language:<9}{one_by_one:>12.1f}{batched:>14.1f}{cssg_rate:>9.1f}  {' / '.join(means):>38}  "
              f"{stats['not_exercisable']}/{stats['pairs']}")


if __name__ == "__main__":
    main()
