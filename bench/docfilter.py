"""How fast is the documentation filter, and what does it reject?

Takes functions with docstrings from the standard libraries installed on this machine (Python always;
Ruby and Go when their toolchains are on PATH), and for each one scores

* the **honest** documentation the warm-up would teach (``batcoder.sft.structured_doc`` of its
  docstring) — the share rejected is the filter's false-positive rate on human prose (human
  docstrings do contain code examples, so a few rejections are right);
* six **synthetic leaks** built from the code itself: the honest documentation plus a fenced copy
  of the code, plus its longest line as a step, the code's lines as `inline code` steps, the bare
  code, the code with every identifier renamed written as steps, and the code read aloud
  ("total equals total plus item dot price") — the share rejected is the recall on each disguise.

It prints both tables and the time per ``check`` call, first call per function (source analysis)
and the cached K-1 calls that follow, as the trainer calls it (K=8 documentations per function).

    .venv/bin/python bench/docfilter.py --functions 300
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sysconfig
import time
from collections import Counter, defaultdict
from pathlib import Path

from tqdm import tqdm

from batcoder import docfilter
from batcoder.languages import get_language, walk
from batcoder.sft import structured_doc

READ_ALOUD = {".": " dot ", "=": " equals ", "+": " plus ", "-": " minus ", "*": " times ", "(": " open paren ",
              ")": " close paren ", "[": " open bracket ", "]": " close bracket ", "<": " less than ",
              ">": " greater than ", ",": " comma ", "{": " open brace ", "}": " close brace "}  # fmt: skip


def library_roots() -> dict[str, tuple[Path, str]]:
    roots = {"python": (Path(sysconfig.get_paths()["stdlib"]), "*.py")}
    if shutil.which("ruby"):
        out = subprocess.run(["ruby", "-e", "print RbConfig::CONFIG['rubylibdir']"], capture_output=True, text=True)
        roots["ruby"] = (Path(out.stdout), "**/*.rb")
    if shutil.which("go"):
        out = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True)
        roots["go"] = (Path(out.stdout.strip()) / "src" / "strings", "*.go")
    return roots


def sample_functions(
    language_name: str, root: Path, pattern: str, limit: int, rng: random.Random
) -> list[tuple[str, str]]:
    """(comment-free code, honest documentation) pairs."""
    language = get_language(language_name)
    files = sorted(path for path in root.glob(pattern) if "_test" not in path.name)
    rng.shuffle(files)
    pairs = []
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for function in language.functions(source):
            if not function.docstring or not 3 <= function.code.count("\n") <= 60:
                continue
            doc = structured_doc(function.docstring)
            if doc:
                pairs.append((language.strip_comments(function.code).strip("\n"), doc))
        if len(pairs) >= limit:
            break
    return pairs[:limit]


def renamed(code: str, language_name: str) -> str:
    """``code`` with every identifier replaced by v1, v2, ... (consistently)."""
    language = get_language(language_name)
    source = code.encode()
    names: dict[bytes, str] = {}
    pieces, position = [], 0
    for node in walk(language.parse(code).root_node):
        if node.type in language.roles.identifier and node.child_count == 0:
            name = source[node.start_byte : node.end_byte]
            pieces += [source[position : node.start_byte].decode(), names.setdefault(name, f"v{len(names) + 1}")]
            position = node.end_byte
    return "".join(pieces) + source[position:].decode()


def leaks(code: str, doc: str, language_name: str) -> dict[str, str]:
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    head = doc.split("\nBehavior:")[0]
    steps = lambda items: head + "\nBehavior:\n" + "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))
    aloud = "".join(READ_ALOUD.get(char, char) for char in " ".join(lines[1:]))
    return {
        "fenced": f"{doc}\n```{language_name}\n{code}\n```",
        "copied_line": f"{doc}\n9. Then {max(lines, key=len)}",
        "inline_code": steps(f"`{line}`" for line in lines[1:]),
        "bare_code": code,
        "renamed": steps(line.strip() for line in renamed(code, language_name).splitlines()[1:] if line.strip()),
        "read_aloud": steps([" ".join(aloud.split())]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200, help="functions per language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    honest: dict[str, Counter] = {}
    caught: dict[str, Counter] = defaultdict(Counter)
    totals: dict[str, Counter] = defaultdict(Counter)
    first_calls, cached_calls = [], []
    for language_name, (root, pattern) in library_roots().items():
        pairs = sample_functions(language_name, root, pattern, args.functions, rng)
        honest[language_name] = Counter()
        for code, doc in tqdm(pairs, desc=language_name, unit="fn"):
            docfilter._analyse_source.cache_clear()
            start = time.perf_counter()
            verdict = docfilter.check(doc, code, language_name)
            first_calls.append(time.perf_counter() - start)
            honest[language_name][verdict.reason.split(",")[0] if verdict.score == 0 else f"score {verdict.score}"] += 1
            for kind, leak in leaks(code, doc, language_name).items():
                start = time.perf_counter()
                verdict = docfilter.check(leak, code, language_name)
                cached_calls.append(time.perf_counter() - start)
                totals[language_name][kind] += 1
                caught[language_name][kind] += verdict.score == 0

    print("\nHonest documentation (warm-up targets from docstrings): verdicts")
    for language_name, counts in honest.items():
        total = sum(counts.values())
        rejected = sum(n for reason, n in counts.items() if not reason.startswith("score"))
        shown = ", ".join(f"{reason} {n}" for reason, n in counts.most_common())
        print(f"  {language_name:<10} n={total:<4} rejected {rejected / max(total, 1):6.1%}   {shown}")
    kinds = list(next(iter(totals.values())))
    print("\nSynthetic leaks rejected (recall)")
    print(f"  {'language':<10}" + "".join(f"{kind:>13}" for kind in kinds))
    for language_name in totals:
        cells = (caught[language_name][kind] / max(totals[language_name][kind], 1) for kind in kinds)
        print(f"  {language_name:<10}" + "".join(f"{cell:>13.1%}" for cell in cells))
    ms = lambda values, q: 1000 * sorted(values)[int(q * (len(values) - 1))]
    print(f"\ncheck(): first call per function median {ms(first_calls, .5):.2f} ms, p95 {ms(first_calls, .95):.2f} ms; "
          f"cached calls median {ms(cached_calls, .5):.2f} ms, p95 {ms(cached_calls, .95):.2f} ms")
    per_function = statistics.median(first_calls) + 7 * statistics.median(cached_calls)
    print(f"K=8 documentations of one function: ~{1000 * per_function:.1f} ms")


if __name__ == "__main__":
    main()
