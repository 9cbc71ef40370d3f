"""The per-document work of a corpus build, run in parser processes.

``process_document`` reads one document, extracts its functions with the language module, strips
their comments and docstrings, applies the per-function filters and computes what the global
filters in the main process need (exact-duplicate key, MinHash signature, benchmark overlap).
Workers receive the language *name* and rebuild everything else once per process in ``init_worker``.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
from dataclasses import dataclass, field

import numpy as np

from batcoder.data.decontamination import BenchmarkIndex
from batcoder.data.dedup import Signer, exact_key
from batcoder.data.filters import FunctionFilters, is_generated_file
from batcoder.data.sources import Document
from batcoder.languages import Language, get_language


@dataclass
class Candidate:
    """A function that passed the per-function filters."""

    row: dict  # the corpus row, without its split and docstring
    docstring: str | None  # the function's documentation, kept out of ``row["code"]``
    exact_key: str  # equal for functions differing only in whitespace
    signature: np.ndarray  # MinHash signature for near-duplicate detection
    contaminated: bool  # overlaps a benchmark prompt or solution


@dataclass
class DocumentResult:
    path: str
    skipped: str | None = None  # why the whole document was skipped ("not_utf8", "binary", ...)
    syntax_error: bool = False  # the document has syntax errors (its valid functions are still used)
    rejected: dict[str, int] = field(default_factory=dict)  # per-function filter -> count
    candidates: list[Candidate] = field(default_factory=list)
    extracted: int = 0


@dataclass
class _Worker:
    language: Language
    filters: FunctionFilters
    keep_nested: bool
    benchmarks: BenchmarkIndex
    min_overlap: float
    signer: Signer


_worker: _Worker | None = None
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def init_worker(
    language_name: str, filters: FunctionFilters, keep_nested: bool, benchmarks: BenchmarkIndex, min_overlap: float
) -> None:
    global _worker
    if multiprocessing.current_process().name != "MainProcess":
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)  # blocked while the pool started
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool stops workers with SIGTERM
    _worker = _Worker(get_language(language_name), filters, keep_nested, benchmarks, min_overlap, Signer())


def process_document(document: Document) -> DocumentResult:
    assert _worker is not None, "init_worker must run first"
    result = DocumentResult(path=document.path)
    text = document.text
    if text is None:
        text, result.skipped = read_text(document.file)
        if text is None:
            return result
    elif "\x00" in text:
        result.skipped = "binary"
        return result
    text = text.replace("\r\n", "\n")  # Windows line endings would make rows differ by invisible characters
    try:
        _extract(_worker, text, document.path, result)
    except Exception:  # a language module failing on odd input (e.g. absurdly deep nesting) skips one document
        return DocumentResult(path=document.path, skipped="parse_failure")
    return result


def read_text(file: str) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, reason)`` for a file that cannot be used as source code."""
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError:
        return None, "unreadable"
    if b"\x00" in data:
        return None, "binary"
    try:
        return data.decode("utf-8-sig"), None  # a byte-order mark is not part of the code
    except UnicodeDecodeError:
        return None, "not_utf8"


def _extract(worker: _Worker, text: str, path: str, result: DocumentResult) -> None:
    language = worker.language
    result.syntax_error = not language.is_valid(text)
    generated = is_generated_file(text)
    for function in language.functions(text):
        result.extracted += 1
        reason = _reject(worker, function, path, generated, check_syntax=result.syntax_error)
        if isinstance(reason, str):
            result.rejected[reason] = result.rejected.get(reason, 0) + 1
        else:
            result.candidates.append(reason)


def _reject(worker: _Worker, function, path: str, generated: bool, check_syntax: bool) -> str | Candidate:
    """The filter rejecting ``function``, or the candidate it becomes. Functions are parsed again on
    their own only when their file has syntax errors: a definition cut out of a valid file is valid,
    and the language modules keep code valid when they strip it."""
    if function.nested and not worker.keep_nested:
        return "nested"
    try:
        code = worker.language.strip_comments(function.code).strip("\n")
    except Exception:  # a language module failing on odd input must not end the build
        return "unparseable"
    if not code or (check_syntax and not worker.language.is_valid(code)):
        return "unparseable"
    if generated:
        return "generated_or_minified"
    reason = worker.filters.reject(code, function.name, function.container, path)
    if reason is not None:
        return reason
    row = {
        "code": code,
        "language": worker.language.name,
        "name": function.name,
        "path": path,
        "start_line": function.start_line,
        "end_line": function.end_line,
        "sha256": hashlib.sha256(code.encode("utf-8")).hexdigest(),
    }
    return Candidate(
        row=row,
        docstring=function.docstring or None,
        exact_key=exact_key(code),
        signature=worker.signer.signature(code),
        contaminated=worker.benchmarks.contaminates(code, function.docstring, min_overlap=worker.min_overlap),
    )
