"""``batcoder similarity``: two files, --explain, and --pairs JSONL."""

from __future__ import annotations

import json

from batcoder.cli import main

REFERENCE = "def add(a, b):\n    total = a + b\n    return total\n"
RENAMED = "def add(x, y):\n    s = x + y  # sum\n    return s\n"
MUTANT = "def add(a, b):\n    total = a - b\n    return total\n"


def test_two_files_print_the_score(tmp_path, capsys):
    (tmp_path / "a.py").write_text(REFERENCE)
    (tmp_path / "b.py").write_text(RENAMED)
    assert main(["similarity", str(tmp_path / "a.py"), str(tmp_path / "b.py")]) == 0
    assert capsys.readouterr().out.strip() == "1.000000"
    (tmp_path / "b.rb").write_text("def add(a, b)\n  a + b\nend\n")
    ruby_file = str(tmp_path / "b.rb")
    assert main(["similarity", "--language", "ruby", "--metric", "exact", ruby_file, ruby_file]) == 0
    assert capsys.readouterr().out.strip() == "1.000000"


def test_explain_names_the_unmatched_labels_and_statements(tmp_path, capsys):
    (tmp_path / "a.py").write_text(REFERENCE)
    (tmp_path / "b.py").write_text(MUTANT)
    assert main(["similarity", "--explain", str(tmp_path / "a.py"), str(tmp_path / "b.py")]) == 0
    out = capsys.readouterr().out
    assert "node labels only in A: BIN:+ x1" in out
    assert "node labels only in B: BIN:- x1" in out
    assert "line 2: total = a + b" in out and "line 2: total = a - b" in out
    assert "line 3" not in out  # ``return total`` matched


def test_pairs_file_is_scored_with_every_input_field_kept(tmp_path, capsys):
    rows = [
        {"id": 1, "a": REFERENCE, "b": RENAMED, "language": "python", "note": "renamed"},
        {"id": 2, "a": REFERENCE, "b": MUTANT, "language": "Python"},
        {"id": 3, "a": REFERENCE, "b": "def add(a, b:", "language": "python"},
    ]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")
    output = tmp_path / "out" / "scored.jsonl"
    assert main(["similarity", "--pairs", str(pairs), "--output", str(output), "--workers", "2"]) == 0
    assert "scored 3 pairs with cssg" in capsys.readouterr().out
    scored = [json.loads(line) for line in output.read_text().splitlines()]
    assert [{key: value for key, value in row.items() if key != "score"} for row in scored] == rows
    assert scored[0]["score"] == 1.0 and 0.0 < scored[1]["score"] < 1.0 and scored[2]["score"] == 0.0
    # no temporary left; the hidden marker records that `similarity` wrote the file
    assert sorted(path.name for path in output.parent.iterdir()) == [".scored.jsonl.batcoder-output.json", "scored.jsonl"]


def test_malformed_pairs_are_one_line_errors_naming_the_line(tmp_path, capsys):
    good = json.dumps({"a": REFERENCE, "b": RENAMED, "language": "python"})
    output = tmp_path / "scored.jsonl"
    for bad, message in (
        ("{not json", "pairs.jsonl:2: invalid JSON"),
        (json.dumps({"a": "x", "language": "python"}), "pairs.jsonl:2: missing or non-string field 'b'"),
        (json.dumps([1, 2]), "pairs.jsonl:2: expected a JSON object"),
        (json.dumps({"a": "x", "b": "y", "language": "cobol"}), "pairs.jsonl:2: unknown language 'cobol'"),
    ):
        pairs = tmp_path / "pairs.jsonl"
        pairs.write_text(good + "\n" + bad + "\n")
        assert main(["similarity", "--pairs", str(pairs), "--output", str(output)]) == 2
        error = capsys.readouterr().err.strip()
        assert error.startswith("batcoder: error: ") and message in error and "\n" not in error
        assert not output.exists()


def test_usage_errors(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x")
    for argv, message in (
        (["similarity", str(tmp_path / "a.txt")], "give two files"),
        (["similarity", str(tmp_path / "a.txt"), str(tmp_path / "a.txt")], "cannot tell the language"),
        (["similarity", str(tmp_path / "missing.py"), str(tmp_path / "a.txt")], "missing.py: cannot read"),
        (["similarity", "--metric", "nope", str(tmp_path / "a.txt"), str(tmp_path / "a.txt")], "unknown similarity"),
        (["similarity", "--pairs", str(tmp_path / "a.txt")], "--pairs needs --output"),
    ):
        assert main(argv) == 2
        assert message in capsys.readouterr().err
