"""Build a function-level corpus: sources -> parsed functions -> filters -> JSONL (+ stats JSON).

The pipeline, top to bottom:

1. enumerate documents from the sources (``sources.py``; unusable paths are counted skips);
2. in a pool of parser processes, read each document, extract its functions, strip comments and
   docstrings, and apply the per-function filters (``extract.py``, ``filters.py``);
3. in the main process, in source order, drop exact duplicates, benchmark-contaminated functions and
   near duplicates (``dedup.py``, ``decontamination.py``), assign the train/valid split from the
   content hash, and stream the rows to a temporary file that replaces the output when all is done.

Statistics go to ``<output stem>.stats.json`` beside the output (``corpus.jsonl`` ->
``corpus.stats.json``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from batcoder.data.decontamination import NGRAM, BenchmarkIndex
from batcoder.data.dedup import NearDuplicateIndex
from batcoder.data.errors import CorpusError
from batcoder.data.extract import (
    HELD_SIGNALS, DocumentResult, ParseLimits, init_worker, kept_alarm_handler, process_document,
)
from batcoder.data.filters import FunctionFilters
from batcoder.data.jsonl import atomic_output, write_json
from batcoder.data.sources import Document, SourceOptions, default_sources, iter_documents
from batcoder.languages import get_language
from batcoder.outputs import prepare_output

COMMAND = "data build"
EXAMPLES_PER_REASON = 5
# Function filters in the order they apply; the first ones run in the parser processes.
FUNCTION_FILTERS = (
    "nested",
    "unparseable",
    "generated_or_minified",
    "too_few_lines",
    "too_many_lines",
    "too_few_chars",
    "too_many_chars",
    "test",
    "exact_duplicate",
    "contaminated",
    "near_duplicate",
)


@dataclass(frozen=True)
class CorpusConfig:
    """Options of a corpus build (the CLI flags of ``batcoder data build``)."""

    language: str  # registered language name: python, ruby, go, javascript, java, ...
    filters: FunctionFilters = field(default_factory=FunctionFilters)  # per-function size/test filters
    sources: SourceOptions = field(default_factory=SourceOptions)  # how SOURCE arguments are read
    limits: ParseLimits = field(default_factory=ParseLimits)  # per-document bounds on the parser's work
    keep_nested: bool = False  # keep functions defined inside other functions (closures need context)
    near_duplicate_threshold: float = 0.85  # MinHash Jaccard over token 5-grams at which a function is a near duplicate
    decontaminate: tuple[str, ...] = ()  # MBPP / MultiPL-E JSONL files checked besides HumanEval
    contamination_overlap: float = 0.5  # share of a function's token 10-grams found in a benchmark that makes it contaminated
    valid_fraction: float = 0.02  # share of functions in the "valid" split (chosen by content hash)
    max_documents: int | None = None  # stop reading sources after this many files/rows (e.g. a large hub dataset)
    workers: int = 0  # parser processes; 0 = one per CPU core, 1 = parse in this process
    progress: bool = True  # show a progress bar on stderr


@dataclass
class CorpusStats:
    """What a build did: counts per reason, and the first few documents skipped for each."""

    language: str
    sources: list[str]
    output: str
    documents: int = 0  # files and data rows handed to the parsers
    parsed: int = 0  # documents that were read and parsed (the others are in ``skipped``)
    skipped: dict[str, int] = field(default_factory=dict)  # document-level problems -> count
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    syntax_error_documents: int = 0  # documents with syntax errors (their valid functions are kept)
    functions_found: int = 0
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNCTION_FILTERS, 0))
    kept: int = 0
    train: int = 0
    valid: int = 0
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def skip(self, reason: str, name: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        examples = self.skipped_examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(name)


def stats_path(output: str | Path) -> Path:
    """Where the statistics of a build writing ``output`` are saved."""
    return Path(output).with_suffix(".stats.json")


def split_of(sha256: str, valid_fraction: float) -> str:
    """"valid" for a deterministic ``valid_fraction`` of content hashes, "train" otherwise."""
    return "valid" if int(sha256[:16], 16) < valid_fraction * 16**16 else "train"


def build_corpus(
    sources: Sequence[str], output: str | Path, config: CorpusConfig, *, overwrite: bool = False
) -> CorpusStats:
    """Build the corpus of ``config.language`` from ``sources`` (the language's default source when
    empty) into the JSONL file ``output``; returns the statistics also saved beside it.

    Raises :class:`CorpusError` for bad options or sources, malformed data rows (unless
    ``skip_bad``) and an empty result; ``output`` is then left as it was. Output paths follow
    :mod:`batcoder.outputs` (``overwrite``: replace files that are not a previous build's).
    """
    started = time.perf_counter()
    _check(config, output)
    try:
        language = get_language(config.language)
    except ValueError as error:
        raise CorpusError(str(error)) from None
    sources = list(sources) or default_sources(language)
    for path in (output, stats_path(output)):
        prepare_output(path, COMMAND, inputs=[*sources, *config.decontaminate], overwrite=overwrite)
    stats = CorpusStats(language=language.name, sources=sources, output=str(output), settings=_settings(config))
    benchmarks = BenchmarkIndex(language, config.decontaminate)
    documents = list(islice(iter_documents(sources, language, config.sources, stats.skip), config.max_documents))
    stats.documents = len(documents)

    seen_code: set[str] = set()
    near_duplicates = NearDuplicateIndex(config.near_duplicate_threshold)
    with atomic_output(output, COMMAND) as out:
        for result in _process(documents, config, benchmarks):
            _count(result, stats)
            for candidate in result.candidates:
                if candidate.exact_key in seen_code:
                    stats.removed["exact_duplicate"] += 1
                    continue
                seen_code.add(candidate.exact_key)
                if candidate.contaminated:
                    stats.removed["contaminated"] += 1
                    continue
                if not near_duplicates.add(candidate.signature):
                    stats.removed["near_duplicate"] += 1
                    continue
                row = {**candidate.row, "split": split_of(candidate.row["sha256"], config.valid_fraction)}
                if candidate.docstring:
                    row["docstring"] = candidate.docstring
                out.write(_json_line(row))
                stats.kept += 1
                stats.train += row["split"] == "train"
                stats.valid += row["split"] == "valid"
        if stats.kept == 0:
            raise CorpusError(_empty_message(stats))
    stats.seconds = round(time.perf_counter() - started, 2)
    write_json(stats_path(output), stats.to_dict(), COMMAND)
    return stats


def _check(config: CorpusConfig, output: str | Path) -> None:
    filters = config.filters
    problems = [
        (not 0.0 <= config.valid_fraction < 1.0, f"--valid-fraction must be in [0, 1), got {config.valid_fraction}"),
        (not 0.0 < config.near_duplicate_threshold <= 0.98, f"--near-dup-threshold must be in (0, 0.98] (MinHash LSH needs 2+ bands), got {config.near_duplicate_threshold}"),
        (filters.min_lines > filters.max_lines, f"--min-lines {filters.min_lines} exceeds --max-lines {filters.max_lines}"),
        (filters.min_chars > filters.max_chars, f"--min-chars {filters.min_chars} exceeds --max-chars {filters.max_chars}"),
        (not 0.0 < config.contamination_overlap <= 1.0, f"--contamination-overlap must be in (0, 1], got {config.contamination_overlap}"),
        (config.max_documents is not None and config.max_documents < 1, f"--max-documents must be positive, got {config.max_documents}"),
        (config.workers < 0, f"--workers must be >= 0, got {config.workers}"),
        (config.sources.max_file_bytes <= 0, f"--max-file-bytes must be positive, got {config.sources.max_file_bytes}"),
        (config.limits.max_line_chars < 1, f"--max-line-chars must be positive, got {config.limits.max_line_chars}"),
        (config.limits.max_nodes < 1, f"--max-nodes must be positive, got {config.limits.max_nodes}"),
        (not 0 < config.limits.timeout_s < float("inf"), f"--parse-timeout must be a finite number of seconds > 0, got {config.limits.timeout_s}"),
    ]
    for failed, message in problems:
        if failed:
            raise CorpusError(message)
    if Path(output).resolve() == stats_path(output).resolve():
        raise CorpusError(f"output {output} would be overwritten by its statistics file; use a .jsonl name")
    for path in config.decontaminate:
        if not Path(path).is_file():
            raise CorpusError(f"--decontaminate file {path} does not exist")


def _settings(config: CorpusConfig) -> dict:
    settings = asdict(config)
    settings.pop("progress")
    settings["contamination_ngram"] = NGRAM
    return settings


def _process(documents: list[Document], config: CorpusConfig, benchmarks: BenchmarkIndex) -> Iterator[DocumentResult]:
    """Results in document order, parsed in worker processes, with a progress bar."""
    from tqdm import tqdm

    worker_args = (config.language, config.filters, config.keep_nested, benchmarks, config.contamination_overlap, config.limits)
    workers = config.workers or os.cpu_count() or 1
    # disable=None: no bar when stderr is not a terminal
    bar = tqdm(total=len(documents), unit="doc", desc="parsing", disable=None if config.progress else True, dynamic_ncols=True)
    with bar:
        # Even one document is parsed in a worker unless workers == 1: a signal then always ends the
        # build at once (the pool kills its workers), however long a C call inside tree-sitter runs.
        if workers == 1 or not documents:
            init_worker(*worker_args)
            with kept_alarm_handler():  # the per-document watchdog sets its own
                yield from _tracked(map(process_document, documents), bar)
            return
        workers = min(workers, len(documents))
        chunksize = max(1, min(16, len(documents) // (workers * 8)))
        with _start_pool(workers, worker_args) as pool:
            yield from _tracked(pool.imap(process_document, documents, chunksize=chunksize), bar)


def _start_pool(workers: int, worker_args: tuple) -> multiprocessing.pool.Pool:
    """A Ctrl-C or SIGTERM arriving while fork() runs its at-fork handlers in this thread would be
    swallowed ("Exception ignored in ...") and the build would go on: hold them until the workers
    exist (the workers unblock them in ``init_worker``)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        return multiprocessing.Pool(workers, initializer=init_worker, initargs=worker_args)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _tracked(results: Iterable[DocumentResult], bar) -> Iterator[DocumentResult]:
    found = 0
    started = time.perf_counter()
    for result in results:
        found += result.extracted
        bar.update(1)
        rate = found / max(time.perf_counter() - started, 1e-9)
        bar.set_postfix_str(f"{found} functions, {rate:.0f} functions/s", refresh=False)
        yield result


def _count(result: DocumentResult, stats: CorpusStats) -> None:
    if result.skipped is not None:
        stats.skip(result.skipped, result.path)
        return
    stats.parsed += 1
    stats.syntax_error_documents += result.syntax_error
    stats.functions_found += result.extracted
    for reason, count in result.rejected.items():
        stats.removed[reason] += count


def _empty_message(stats: CorpusStats) -> str:
    if stats.documents == 0:
        skipped = ", ".join(f"{reason} {count}" for reason, count in stats.skipped.items())
        return f"no {stats.language} source documents found in {', '.join(stats.sources)}" + (
            f" (skipped: {skipped})" if skipped else ""
        )
    if stats.functions_found == 0:
        skipped = ", ".join(f"{reason} {count}" for reason, count in stats.skipped.items())
        return f"no {stats.language} functions found in {stats.documents} documents" + (
            f" (skipped: {skipped})" if skipped else ""
        )
    removers = sorted(((count, reason) for reason, count in stats.removed.items() if count), reverse=True)
    detail = ", ".join(f"{reason} {count}" for count, reason in removers)
    return f"all {stats.functions_found} functions were removed by the filters, mostly by {removers[0][1]} ({detail})"


def _json_line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"
