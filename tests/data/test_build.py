"""Build outputs: atomic writes, statistics, splits, empty results, parallel parsing, the CLI."""

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from batcoder.cli import main
from batcoder.outputs import MARKER
from batcoder.data import CorpusConfig, CorpusError, FunctionFilters, build_corpus, read_corpus, stats_path
from batcoder.data import build as build_module
from batcoder.data.build import split_of


@pytest.fixture
def tree(tmp_path, write, function_source):
    """Twelve distinct functions in three files."""
    for number in range(3):
        names = [f"function_{number}_{index}" for index in range(4)]
        operations = ["+", "-", "*", "//"]
        write(tmp_path / "src" / f"module{number}.py", "".join(map(function_source, names, operations)))
    return tmp_path / "src"


def test_stats_file_beside_the_output(build, tree, tmp_path):
    stats, rows = build([tree])
    saved = json.loads((tmp_path / "out" / "corpus.stats.json").read_text())
    assert saved["kept"] == len(rows) == 12
    assert saved["documents"] == 3 and saved["functions_found"] == 12
    assert saved["removed"]["exact_duplicate"] == 0 and saved["train"] + saved["valid"] == 12
    assert saved["settings"]["filters"]["max_lines"] == 60
    assert stats_path("a/corpus.jsonl").as_posix() == "a/corpus.stats.json"
    (tmp_path / "reference").write_text("")  # created with the umask's permissions, as the outputs must be
    mode = (tmp_path / "reference").stat().st_mode & 0o777
    assert (tmp_path / "out" / "corpus.jsonl").stat().st_mode & 0o777 == mode


def test_split_is_deterministic_by_content_hash(build, tree):
    _, first = build([tree], valid_fraction=0.5)
    _, second = build([tree], valid_fraction=0.5)
    assert first == second
    assert {row["split"] for row in first} == {"train", "valid"}
    assert all(row["split"] == split_of(row["sha256"], 0.5) for row in first)
    _, none_valid = build([tree], valid_fraction=0.0)
    assert {row["split"] for row in none_valid} == {"train"}


def test_parallel_parsing_gives_the_same_corpus(build, tree):
    _, serial = build([tree], workers=1)
    _, parallel = build([tree], workers=2)
    assert serial == parallel


def test_empty_result_names_the_filter_and_keeps_the_old_output(build, tree, tmp_path):
    build([tree])
    before = (tmp_path / "out" / "corpus.jsonl").read_text()
    with pytest.raises(CorpusError, match=r"all 12 functions were removed by the filters, mostly by too_few_lines"):
        build([tree], filters=FunctionFilters(min_lines=20, max_lines=30))
    assert (tmp_path / "out" / "corpus.jsonl").read_text() == before
    visible = sorted(path.name for path in (tmp_path / "out").iterdir() if not path.name.endswith(MARKER))
    assert visible == ["corpus.jsonl", "corpus.stats.json"]


def test_no_functions_and_no_documents_are_distinct_errors(build, write, tmp_path):
    write(tmp_path / "empty" / "constants.py", "A = 1\nB = 2\n")
    with pytest.raises(CorpusError, match=r"no python functions found in 1 documents"):
        build([tmp_path / "empty"])
    (tmp_path / "nothing").mkdir()
    with pytest.raises(CorpusError, match=r"no python source documents found in .*nothing"):
        build([tmp_path / "nothing"])


def test_interrupted_build_leaves_no_output_and_no_temporary_file(tree, tmp_path, monkeypatch):
    written = []

    def interrupt_after_three_rows(row):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(row)
        return json.dumps(row) + "\n"

    monkeypatch.setattr(build_module, "_json_line", interrupt_after_three_rows)
    output = tmp_path / "out" / "corpus.jsonl"
    with pytest.raises(KeyboardInterrupt):
        build_corpus([str(tree)], output, CorpusConfig(language="python", workers=1, progress=False))
    assert len(written) == 3
    assert list((tmp_path / "out").iterdir()) == []


def test_read_corpus_filters_splits_and_names_bad_lines(build, tree, tmp_path):
    _, rows = build([tree], valid_fraction=0.5)
    output = tmp_path / "out" / "corpus.jsonl"
    valid = list(read_corpus(output, split="valid"))
    assert valid == [row for row in rows if row["split"] == "valid"]
    with output.open("a") as out:
        out.write("{broken\n")
    with pytest.raises(CorpusError, match=rf"corpus\.jsonl:{len(rows) + 1}: malformed corpus row"):
        list(read_corpus(output))


def test_cli_builds_and_prints_the_table(tree, tmp_path, capsys):
    output = tmp_path / "cli" / "c.jsonl"
    assert main(["data", "build", str(tree), "--language", "python", "--output", str(output), "--workers", "1", "-v"]) == 0
    printed = capsys.readouterr().out
    assert "removed: near_duplicate" in printed and f"wrote 12 functions to {output}" in printed
    assert (tmp_path / "cli" / "c.stats.json").is_file()


def test_cli_verbose_names_skipped_files(tree, tmp_path, capsys):
    (tree / "latin1.py").write_bytes("x = '\xe9'\n".encode("latin-1"))
    output = tmp_path / "cli" / "c.jsonl"
    assert main(["data", "build", str(tree), "-l", "python", "-o", str(output), "--workers", "1", "--verbose"]) == 0
    assert "skipped (not_utf8): latin1.py" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--language", "cobol"], "unknown language 'cobol'"),
        (["--language", "javascript"], "there is no default source for javascript"),
        (["./missing_dir", "--language", "python"], "source './missing_dir' does not exist"),
        (["--language", "python", "--valid-fraction", "1.5"], "--valid-fraction must be in [0, 1)"),
        (["--language", "python", "--min-lines", "9", "--max-lines", "5"], "--min-lines 9 exceeds --max-lines 5"),
        (["--language", "python", "--near-dup-threshold", "0"], "--near-dup-threshold must be in (0, 0.98]"),
        (["--language", "python", "--decontaminate", "nope.jsonl"], "--decontaminate file nope.jsonl does not exist"),
    ],
)
def test_cli_errors_are_one_line(arguments, message, tmp_path, capsys):
    assert main(["data", "build", *arguments, "--output", str(tmp_path / "c.jsonl")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("batcoder: error: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "c.jsonl").exists()


def test_cli_malformed_jsonl_is_one_line_naming_file_and_line(tmp_path, capsys):
    source = tmp_path / "rows.jsonl"
    source.write_text('{"code": "def f():\\n    pass"}\n{oops\n')
    assert main(["data", "build", str(source), "-l", "python", "-o", str(tmp_path / "c.jsonl")]) == 2
    error = capsys.readouterr().err
    assert f"{source}:2: malformed JSON" in error and error.count("\n") == 1


def test_real_standard_library_subset_builds_clean(tmp_path):
    """A reduced real build: a few stdlib packages in parallel, and no comment or docstring left."""
    import sysconfig

    from batcoder.languages import get_language, walk

    stdlib = sysconfig.get_paths()["stdlib"]
    sources = [f"{stdlib}/{package}" for package in ("json", "email", "asyncio", "collections", "importlib")]
    stats = build_corpus(sources, tmp_path / "c.jsonl", CorpusConfig(language="python", workers=2, progress=False))
    rows = list(read_corpus(tmp_path / "c.jsonl"))
    assert len(rows) == stats.kept > 1000
    python = get_language("python")
    for row in rows:
        tree = python.parse(row["code"])
        assert not tree.root_node.has_error, row["path"]
        assert not any(node.type == "comment" for node in walk(tree.root_node)), row["path"]
        assert not any(function.docstring for function in python.functions(row["code"])), row["path"]


@pytest.mark.parametrize("language, executable", [("ruby", "ruby"), ("go", "go")])
def test_ruby_and_go_default_sources_build(language, executable, tmp_path):
    """The default source of Ruby/Go is their standard library; build one package of it."""
    from batcoder.data.sources import default_sources
    from batcoder.languages import available_languages, get_language

    if language not in available_languages() or shutil.which(executable) is None:
        pytest.skip(f"{language} is not available here")
    (root,) = default_sources(get_language(language))
    package = {"ruby": "json", "go": "strings"}[language]
    stats = build_corpus([f"{root}/{package}"], tmp_path / "c.jsonl", CorpusConfig(language=language, workers=2, progress=False))
    rows = list(read_corpus(tmp_path / "c.jsonl"))
    assert stats.kept == len(rows) > 20
    assert {row["language"] for row in rows} == {language}


@pytest.mark.parametrize("signal_number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signalled_cli_build_removes_its_partial_output(signal_number, status, tmp_path):
    import sysconfig

    output = tmp_path / "out" / "c.jsonl"
    command = [sys.executable, "-m", "batcoder.cli", "data", "build", sysconfig.get_paths()["stdlib"]]
    build = subprocess.Popen(
        [*command, "-l", "python", "-o", str(output), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not ignored, even if ours is
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("out/.c.jsonl.*.partial")) and time.monotonic() < deadline:
        time.sleep(0.2)
    build.send_signal(signal_number)
    _, error = build.communicate(timeout=60)
    assert build.returncode == status, error
    assert list((tmp_path / "out").iterdir()) == []
