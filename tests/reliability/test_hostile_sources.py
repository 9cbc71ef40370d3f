"""Bounded work on hostile input in `data build`: per-document limits hold whatever --max-file-bytes
says (a counted skip each), and a signal ends a build stuck on one huge document."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batcoder.data import CorpusConfig, build_corpus
from batcoder.data import extract
from batcoder.data.extract import DocumentTimeout, ParseLimits, bounded_parse, watchdog
from batcoder.languages import get_language

GOOD = """def add_numbers(first, second):
    total = first + second
    return total
"""
SRC = str(Path(__file__).resolve().parents[2] / "src")


def one_line_file(path, kilobytes):
    """A valid Python file that is one line of ``kilobytes`` KB (tree-sitter's cost grows with its square)."""
    path.write_text("x = [" + "1, " * (kilobytes * 1024 // 3) + "]")
    return path


@pytest.fixture
def sources(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "good.py").write_text(GOOD)
    return tmp_path / "src"


def build(tmp_path, sources, **limits):
    config = CorpusConfig(language="python", workers=1, progress=False, limits=ParseLimits(**limits))
    return build_corpus([str(sources)], tmp_path / "out" / "corpus.jsonl", config)


def test_a_long_line_is_a_counted_skip_even_when_max_file_bytes_allows_it(tmp_path, sources):
    one_line_file(sources / "hostile.py", 200)
    stats = build(tmp_path, sources)  # default limits; the default --max-file-bytes (1 MB) lets it through
    assert stats.skipped == {"long_line": 1} and stats.kept == 1
    assert stats.settings["limits"]["max_line_chars"] == 10_000


def test_a_syntax_tree_over_the_node_limit_is_a_counted_skip(tmp_path, sources):
    (sources / "many.py").write_text("".join(f"a{i} = {i}\n" for i in range(200)))
    stats = build(tmp_path, sources, max_nodes=500)
    assert stats.skipped == {"too_many_nodes": 1} and stats.kept == 1


def test_a_document_over_the_time_limit_is_a_counted_skip(tmp_path, sources, monkeypatch):
    (sources / "slow.py").write_text(GOOD.replace("add_numbers", "slow_numbers"))
    real_extract = extract._extract

    def never_ending_on_slow(worker, text, path, result):
        while "slow_numbers" in text:
            pass
        real_extract(worker, text, path, result)

    monkeypatch.setattr(extract, "_extract", never_ending_on_slow)
    stats = build(tmp_path, sources, timeout_s=0.2)
    assert stats.skipped == {"timeout": 1} and stats.kept == 1
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no watchdog left armed


def test_a_build_in_this_process_from_another_thread_runs_unwatched(tmp_path, sources):
    import threading

    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(build(tmp_path, sources).kept))
    thread.start()
    thread.join()
    assert outcome == [1]  # signals reach only the main thread: no watchdog, and no error for it


def test_the_watchdog_interrupts_a_parse_inside_tree_sitter(tmp_path):
    text = one_line_file(tmp_path / "hostile.py", 600).read_text()  # seconds of parsing in one C call otherwise
    with pytest.raises(DocumentTimeout):
        with watchdog(0.05):
            bounded_parse(get_language("python"), text)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_a_build_parsing_one_huge_document(tmp_path, signum):
    # Built in this process before (one document), the parse is C code that no signal interrupts. 20 MB
    # parse for about 11 s on 2 idle 2026 cores (2.7 GB): the signal, 0.5 s in, must land inside the
    # parse on a machine several times faster too (3 MB parsed in under a second and raced the signal).
    hostile = one_line_file(tmp_path / "hostile.py", 20000)
    output = tmp_path / "corpus.jsonl"
    command = [sys.executable, "-m", "batcoder.cli", "data", "build", str(hostile), "-l", "python", "-o", str(output),
               "-q", "--max-file-bytes", "100000000", "--max-line-chars", "100000000", "--parse-timeout", "600"]
    process = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": SRC}, stderr=subprocess.PIPE, text=True)
    while not list(tmp_path.glob(".corpus.jsonl.*.partial")):  # the output is opened right before parsing
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.1)
    time.sleep(0.5)  # into the parse
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the build did not stop on the signal")
    assert process.returncode in (130, 128 + signal.SIGTERM), err
    assert "Traceback" not in err
    assert not output.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["hostile.py"]
