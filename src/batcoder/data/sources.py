"""Where corpus code comes from: turning SOURCE arguments into documents to parse.

A SOURCE is a directory (walked recursively for the language's extensions), a file, a glob, a
JSONL file in CodeSearchNet/CodeXGLUE style (optionally gzipped), a parquet file, a folder written by
``datasets.Dataset.save_to_disk``, or a Hugging Face dataset id. Each yields :class:`Document`s:
either a path that a worker process reads, or text taken from a data row. Problems found while
enumerating (symlink loops, special files, oversized files, unreadable directories) are reported
through a ``skip(reason, name)`` callback and never stop the build; malformed data rows raise a
:class:`CorpusError` naming ``file:line`` unless ``skip_bad`` is set.
"""

from __future__ import annotations

import errno
import glob
import gzip
import json
import os
import shutil
import stat
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from batcoder.data.errors import CorpusError
from batcoder.languages import Language

# Text fields of code datasets, in the order they are tried: CodeSearchNet/CodeXGLUE (``code``,
# ``original_string``), the Hugging Face ``code_search_net`` dataset (``func_code_string``,
# ``whole_func_string``) and The Stack (``content``).
CODE_FIELDS = ("code", "original_string", "func_code_string", "whole_func_string", "content")
PATH_FIELDS = ("path", "func_path_in_repository", "max_stars_repo_path")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson")
# Directories never descended into: version control, caches, installed third-party packages.
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "site-packages", "dist-packages"})

Skip = Callable[[str, str], None]


@dataclass(frozen=True)
class Document:
    """One unit of work for a parser process: a file to read, or text from a data row."""

    path: str  # shown in corpus rows (relative to a directory source, or the data row's own path)
    file: str | None = None  # filesystem path to read; None when ``text`` is given
    text: str | None = None


@dataclass(frozen=True)
class SourceOptions:
    """How sources are read."""

    field: str | None = None  # data-row field holding code; autodetected from CODE_FIELDS when None
    max_file_bytes: int = 1_000_000  # larger files are skipped as "too_large"
    skip_bad: bool = False  # count malformed data rows instead of failing on the first one
    dataset_split: str = "train"  # split of a Hugging Face dataset
    dataset_config: str | None = None  # configuration (subset) name of a Hugging Face dataset


def default_sources(language: Language) -> list[str]:
    """The embedded corpus of a language: its standard library, when the toolchain is installed."""
    if language.name == "python":
        return [sysconfig.get_paths()["stdlib"]]
    if language.name == "ruby":
        return [_toolchain_output(["ruby", "-e", 'print RbConfig::CONFIG["rubylibdir"]'], "ruby")]
    if language.name == "go":
        return [os.path.join(_toolchain_output(["go", "env", "GOROOT"], "go"), "src")]
    raise CorpusError(f"there is no default source for {language.name}: give a directory, file, JSONL or dataset")


def _toolchain_output(argv: list[str], program: str) -> str:
    if shutil.which(program) is None:
        raise CorpusError(f"the default source needs `{program}` on PATH to locate its standard library")
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    except (subprocess.SubprocessError, OSError) as error:
        raise CorpusError(f"`{' '.join(argv)}` failed while locating the standard library: {error}") from None
    return result.stdout.strip()


def iter_documents(
    sources: Iterable[str], language: Language, options: SourceOptions, skip: Skip
) -> Iterator[Document]:
    for source in sources:
        yield from _source_documents(source, language, options, skip)


def _source_documents(source: str, language: Language, options: SourceOptions, skip: Skip) -> Iterator[Document]:
    path = Path(source).expanduser()
    if path.is_dir() and _is_saved_dataset(path):
        yield from _dataset_documents(_load_saved_dataset(path, options), source, language, options, skip)
    elif path.is_dir():
        yield from walk_directory(path, language.extensions, options.max_file_bytes, skip)
    elif path.exists() or path.is_symlink():
        yield from _file_documents(path, str(path), language, options, skip)
    elif glob.has_magic(source):
        matches = sorted(glob.glob(os.path.expanduser(source), recursive=True))
        if not matches:
            raise CorpusError(f"source {source!r} matched no files")
        for match in matches:
            if os.path.isdir(match):
                yield from walk_directory(Path(match), language.extensions, options.max_file_bytes, skip)
            else:
                yield from _file_documents(Path(match), match, language, options, skip)
    elif _looks_like_path(source):
        raise CorpusError(f"source {source!r} does not exist")
    else:
        yield from _dataset_documents(_load_hub_dataset(source, options), source, language, options, skip)


def _looks_like_path(source: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; anything else (a file suffix, ``in/x`` when ``in/`` exists,
    ...) the user meant as a path."""
    from batcoder.hub import looks_like_local_path

    return looks_like_local_path(source) or Path(source).suffix != ""


def walk_directory(root: Path, extensions: Iterable[str], max_file_bytes: int, skip: Skip) -> Iterator[Document]:
    """Files with the given extensions under ``root`` (symlinks followed, each directory visited once):
    a directory's files in name order, then its subdirectories in name order."""
    extensions = tuple(extension.lower() for extension in extensions)
    try:
        root_stat = root.stat()
    except OSError as error:
        skip(_os_error_reason(error), str(root))
        return
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            skip(_os_error_reason(error), str(directory))
            continue
        subdirectories = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if entry.name.startswith(".") or entry.name in SKIPPED_DIRECTORIES:
                        continue
                    entry_stat = entry.stat()
                    key = (entry_stat.st_dev, entry_stat.st_ino)
                    if key in visited:  # a symlink back to a directory already walked
                        skip("symlink_loop", entry.path)
                        continue
                    visited.add(key)
                    subdirectories.append(Path(entry.path))
                elif entry.name.lower().endswith(extensions):
                    document = _checked_file(Path(entry.path), str(Path(entry.path).relative_to(root)), max_file_bytes, skip)
                    if document is not None:
                        yield document
            except OSError as error:
                skip(_os_error_reason(error), entry.path)
        pending.extend(reversed(subdirectories))


def _os_error_reason(error: OSError) -> str:
    return "symlink_loop" if error.errno == errno.ELOOP else "unreadable"


def _checked_file(file: Path, shown_as: str, max_file_bytes: int, skip: Skip) -> Document | None:
    """A document for ``file`` if it is a regular file within the size cap (checked without opening it:
    opening a FIFO would block)."""
    try:
        file_stat = file.stat()
    except OSError as error:
        skip(_os_error_reason(error), str(file))
        return None
    if not stat.S_ISREG(file_stat.st_mode):
        skip("not_a_regular_file", str(file))
        return None
    if file_stat.st_size > max_file_bytes:
        skip("too_large", str(file))
        return None
    return Document(path=shown_as, file=str(file))


def _file_documents(
    path: Path, shown_as: str, language: Language, options: SourceOptions, skip: Skip
) -> Iterator[Document]:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        yield from _jsonl_documents(path, language, options, skip)
    elif name.endswith(".parquet"):
        yield from _dataset_documents(_parquet_rows(path), str(path), language, options, skip)
    else:
        document = _checked_file(path, shown_as, options.max_file_bytes, skip)
        if document is not None:
            yield document


def _jsonl_documents(path: Path, language: Language, options: SourceOptions, skip: Skip) -> Iterator[Document]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    extractor = _RowExtractor(language, options, skip)
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    extractor.bad(where, f"malformed JSON ({error.msg} at column {error.colno})")
                    continue
                document = extractor.document(row, where)
                if document is not None:
                    yield document
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read {path}: {error}") from None


class _RowExtractor:
    """Finds the code field of data rows (fixed by the first row that has one) and makes documents."""

    def __init__(self, language: Language, options: SourceOptions, skip: Skip):
        self.language = language
        self.options = options
        self.skip = skip
        self.field = options.field

    def bad(self, where: str, problem: str) -> None:
        if not self.options.skip_bad:
            raise CorpusError(f"{where}: {problem} (use --skip-bad to skip such rows)")
        self.skip("bad_row", where)

    def document(self, row: object, where: str) -> Document | None:
        if not isinstance(row, dict):
            self.bad(where, "row is not a JSON object")
            return None
        if self.field is None:
            self.field = next((field for field in CODE_FIELDS if field in row), None)
            if self.field is None:
                self.bad(where, f"row has none of the code fields {', '.join(CODE_FIELDS)} (choose one with --field)")
                return None
        code = row.get(self.field)
        if not isinstance(code, str):
            self.bad(where, f"row has no text field {self.field!r}")
            return None
        row_language = row.get("language")
        if isinstance(row_language, str) and row_language.lower() != self.language.name:
            self.skip("other_language", where)
            return None
        shown_as = next((row[field] for field in PATH_FIELDS if isinstance(row.get(field), str)), where)
        if isinstance(row.get("repo"), str) and shown_as != where:
            shown_as = f"{row['repo']}/{shown_as}"
        return Document(path=shown_as, text=code)


def _dataset_documents(
    rows: Iterable[dict], name: str, language: Language, options: SourceOptions, skip: Skip
) -> Iterator[Document]:
    extractor = _RowExtractor(language, options, skip)
    for index, row in enumerate(rows):
        document = extractor.document(row, f"{name}#{index}")
        if document is not None:
            yield document


def _parquet_rows(path: Path) -> Iterator[dict]:
    import pyarrow.parquet

    try:
        for batch in pyarrow.parquet.ParquetFile(path).iter_batches(batch_size=1024):
            yield from batch.to_pylist()
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise CorpusError(f"cannot read parquet file {path}: {error}") from None


def _is_saved_dataset(path: Path) -> bool:
    return (path / "dataset_info.json").is_file() or (path / "dataset_dict.json").is_file()


def _load_saved_dataset(path: Path, options: SourceOptions):
    import datasets

    try:
        dataset = datasets.load_from_disk(str(path))
    except Exception as error:  # datasets raises many types for a damaged folder
        raise CorpusError(f"cannot load the dataset saved in {path}: {error}") from None
    return _pick_split(dataset, str(path), options)


def _load_hub_dataset(dataset_id: str, options: SourceOptions):
    import datasets

    from batcoder.hub import offline_when_unreachable

    try:
        with offline_when_unreachable():
            dataset = datasets.load_dataset(
                dataset_id, options.dataset_config, split=options.dataset_split, streaming=True
            )
    except Exception as error:  # offline, unknown id, missing config: all are the user's to fix
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CorpusError(
            f"source {dataset_id!r} is not a file, directory or glob, and loading it as a Hugging Face dataset failed: {message}"
        ) from None
    return dataset


def _pick_split(dataset, name: str, options: SourceOptions):
    import datasets

    if not isinstance(dataset, datasets.DatasetDict):
        return dataset
    if options.dataset_split in dataset:
        return dataset[options.dataset_split]
    raise CorpusError(f"dataset {name} has no split {options.dataset_split!r}; it has {', '.join(dataset)}")
