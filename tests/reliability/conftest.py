import json

import pytest

from batcoder.cli import main

CODE = 'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n'


@pytest.fixture
def corpus(tmp_path):
    """A one-row corpus JSONL (its content is all the output-path checks need)."""
    path = tmp_path / "in" / "corpus.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"code": CODE, "language": "python", "name": "add", "path": "lib.py", "start_line": 1, "end_line": 3,
           "sha256": "0", "split": "train", "docstring": "Return the sum of a and b."}
    path.write_text(json.dumps(row) + "\n")
    return path


@pytest.fixture
def model_dir(tmp_path):
    """A directory that looks like a model (the commands refuse bad outputs before loading it)."""
    path = tmp_path / "in" / "model"
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


@pytest.fixture
def snapshot():
    """``snapshot(root)``: every file under ``root`` with its bytes (what a refused command must leave as it was)."""
    return lambda root: {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}



@pytest.fixture
def refused(capsys):
    """``refused(argv, *needles)``: ``batcoder ARGV`` exits 2 with a one-line error (its last stderr line;
    progress bars may come before) holding every needle, and no traceback; returns that line."""

    def run(argv, *needles):
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.rstrip().splitlines()[-1].startswith("batcoder: error: "), err
        line = err.rstrip().splitlines()[-1]
        for needle in needles:
            assert needle in line, line
        return line

    return run
