"""The per-document work of a corpus build, run in parser processes.

``process_document`` reads one document, extracts its functions with the language module, strips
their comments and docstrings, applies the per-function filters and computes what the global
filters in the main process need (exact-duplicate key, MinHash signature, benchmark overlap).
Workers receive the language *name* and rebuild everything else once per process in ``init_worker``.

Work per document is bounded whatever ``--max-file-bytes`` allows (:class:`ParseLimits`): a line longer
than ``max_line_chars`` (tree-sitter's cost grows with the square of a line's length: a 900 KB one-line
file took 12 s, a 50 MB one ran for 14 minutes), a syntax tree of more than ``max_nodes`` nodes, or more
than ``timeout_s`` seconds of work (a SIGALRM watchdog; the first parse reads its input through a
callback, so the watchdog and Ctrl-C reach it too) make the document a counted skip.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from batcoder.data.decontamination import BenchmarkIndex
from batcoder.data.dedup import Signer, exact_key
from batcoder.data.filters import FunctionFilters, is_generated_file
from batcoder.data.sources import Document
from batcoder.languages import Language, get_language


@dataclass(frozen=True)
class ParseLimits:
    """Per-document bounds on the parser's work; a document beyond one is skipped (and counted)."""

    max_line_chars: int = 10_000  # longest line (characters); longer ones are skipped as "long_line"
    max_nodes: int = 1_000_000  # syntax-tree nodes; more are skipped as "too_many_nodes"
    timeout_s: float = 30.0  # seconds of work per document; slower ones are skipped as "timeout"


class DocumentTimeout(BaseException):
    """Raised by the watchdog; a BaseException so that no ``except Exception`` swallows it."""


class TooManyNodes(Exception):
    """The document's syntax tree has more than ``ParseLimits.max_nodes`` nodes."""


PARSE_CHUNK_BYTES = 1 << 16


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
    limits: ParseLimits
    signer: Signer


_worker: _Worker | None = None
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def init_worker(
    language_name: str, filters: FunctionFilters, keep_nested: bool, benchmarks: BenchmarkIndex, min_overlap: float,
    limits: ParseLimits = ParseLimits(),
) -> None:
    global _worker
    if multiprocessing.current_process().name != "MainProcess":
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)  # blocked while the pool started
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool stops workers with SIGTERM
    _worker = _Worker(get_language(language_name), filters, keep_nested, benchmarks, min_overlap, limits, Signer())


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
    if max(map(len, text.split("\n"))) > _worker.limits.max_line_chars:
        return DocumentResult(path=document.path, skipped="long_line")
    try:
        with watchdog(_worker.limits.timeout_s):
            _extract(_worker, text, document.path, result)
    except DocumentTimeout:
        return DocumentResult(path=document.path, skipped="timeout")
    except TooManyNodes:
        return DocumentResult(path=document.path, skipped="too_many_nodes")
    except Exception:  # a language module failing on odd input (e.g. absurdly deep nesting) skips one document
        return DocumentResult(path=document.path, skipped="parse_failure")
    return result


def _raise_timeout(signum, frame):
    raise DocumentTimeout


@contextmanager
def watchdog(seconds: float):
    """Raise :class:`DocumentTimeout` in the block after ``seconds`` (at the next Python instruction).
    Only the main thread receives signals; elsewhere the block runs unwatched."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def kept_alarm_handler():
    """Restore this process's SIGALRM handler after the block (documents parsed in this process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGALRM)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, handler)


def bounded_parse(language: Language, text: str):
    """Parse ``text`` reading it through a callback, so that the watchdog and Ctrl-C interrupt a long
    parse (a parse of one bytes object is a single uninterruptible C call)."""
    source = text.encode("utf-8")
    return language.parser.parse(lambda offset, point: source[offset : offset + PARSE_CHUNK_BYTES])


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
    root = bounded_parse(language, text).root_node
    if root.descendant_count > worker.limits.max_nodes:
        raise TooManyNodes
    result.syntax_error = root.has_error and not language.is_valid(text)
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
