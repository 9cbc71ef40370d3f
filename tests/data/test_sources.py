"""Sources (directories, files, globs, JSONL, datasets) and every kind of bad input."""

import builtins
import gzip
import itertools
import json
import os
import socket

import pytest

from batcoder.data import CorpusError, SourceOptions


def jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def test_directory_file_and_glob_sources(build, write, tmp_path, function_source):
    write(tmp_path / "a" / "one.py", function_source("one"))
    write(tmp_path / "a" / "deep" / "er" / "two.py", function_source("two", "-"))
    write(tmp_path / "a" / "notes.txt", function_source("not_python", "*"))
    write(tmp_path / "b" / "three.py", function_source("three", "*"))
    stats, rows = build([tmp_path / "a"])
    assert [(row["name"], row["path"]) for row in rows] == [("one", "one.py"), ("two", "deep/er/two.py")]
    stats, rows = build([tmp_path / "b" / "three.py"])
    assert [row["name"] for row in rows] == ["three"]
    stats, rows = build([f"{tmp_path}/**/t*.py"])
    assert sorted(row["name"] for row in rows) == ["three", "two"]


def test_byte_order_mark_and_windows_line_endings_are_normalised(build, tmp_path, function_source):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "w.py").write_bytes(b"\xef\xbb\xbf" + function_source("windows").replace("\n", "\r\n").encode())
    stats, rows = build([tmp_path / "src"])
    assert rows[0]["code"] == function_source("windows").strip()


def test_rows_have_the_documented_fields(build, write, tmp_path):
    write(
        tmp_path / "src" / "m.py",
        '''
        class Box:
            def area(self, scale):
                """Area of the box, scaled."""
                # width times height
                width = self.width * scale
                height = self.height * scale
                return width * height
        ''',
    )
    stats, rows = build([tmp_path / "src"])
    (row,) = rows
    assert set(row) == {"code", "language", "name", "path", "start_line", "end_line", "sha256", "split", "docstring"}
    assert row["docstring"] == "Area of the box, scaled."
    assert row["code"].startswith("def area(self, scale):\n    width")
    assert "#" not in row["code"] and '"""' not in row["code"]
    assert (row["start_line"], row["end_line"], row["language"], row["path"]) == (3, 8, "python", "m.py")


def test_bad_files_are_skipped_and_counted(build, write, tmp_path, function_source):
    source = tmp_path / "src"
    write(source / "good.py", function_source("good"))
    (source / "latin1.py").write_bytes(("# caf\xe9\n" + function_source("latin")).encode("latin-1"))
    (source / "binary.py").write_bytes(b"\x7fELF\x00\x00" + function_source("binary").encode())
    write(source / "big.py", function_source("big") + "x = 1\n" * 200)
    write(source / "broken.py", function_source("survivor", "-") + "\ndef broken(x):\n    y = x +\n    return y\n")
    os.symlink("loop.py", source / "loop.py")  # a file symlink pointing at itself
    os.symlink(".", source / "again")  # a directory symlink back into the tree
    os.symlink("missing.py", source / "dangling.py")
    os.mkfifo(source / "pipe.py")
    with socket.socket(socket.AF_UNIX) as unix_socket:
        unix_socket.bind(str(source / "sock.py"))
        stats, rows = build([source], sources_options=SourceOptions(max_file_bytes=1000))
    assert sorted(row["name"] for row in rows) == ["good", "survivor"]
    assert stats.skipped == {
        "binary": 1,
        "not_utf8": 1,
        "symlink_loop": 2,
        "unreadable": 1,
        "not_a_regular_file": 2,
        "too_large": 1,
    }
    assert stats.syntax_error_documents == 1 and stats.parsed == 2
    assert stats.removed["unparseable"] == 1
    assert any(example.endswith("latin1.py") for example in stats.skipped_examples["not_utf8"])


def test_permission_errors_on_files_and_directories_are_counted(build, write, tmp_path, monkeypatch, function_source):
    # We run as root, where chmod 000 does not stop reads: make the OS calls raise instead.
    write(tmp_path / "src" / "ok.py", function_source("ok"))
    write(tmp_path / "src" / "secret.py", function_source("secret", "-"))
    write(tmp_path / "src" / "locked" / "inside.py", function_source("inside", "*"))
    real_open, real_scandir = builtins.open, os.scandir

    def guarded_open(file, *args, **kwargs):
        if str(file).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def guarded_scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["ok"]
    assert stats.skipped == {"unreadable": 2}


def test_jsonl_field_autodetection_whole_files_and_single_functions(build, tmp_path, function_source):
    whole_file = "import os\n\n" + function_source("first") + "\nclass K:\n" + function_source("second", "-").replace("\n", "\n    ")
    source = jsonl(
        tmp_path / "csn.jsonl",
        [
            {"repo": "octo/lib", "path": "lib/a.py", "original_string": whole_file, "language": "python"},
            {"original_string": function_source("third", "*")},
            {"original_string": function_source("ruby_row", "//"), "language": "ruby"},
            "",
        ],
    )
    stats, rows = build([source])
    assert [(row["name"], row["path"]) for row in rows] == [
        ("first", "octo/lib/lib/a.py"),
        ("second", "octo/lib/lib/a.py"),
        ("third", f"{source}:2"),
    ]
    assert stats.skipped == {"other_language": 1}


@pytest.mark.parametrize("field", ["code", "func_code_string", "whole_func_string", "content"])
def test_each_known_code_field_is_detected(build, tmp_path, function_source, field):
    stats, rows = build([jsonl(tmp_path / "d.jsonl", [{"docstring": "x", field: function_source("f")}])])
    assert [row["name"] for row in rows] == ["f"]


def test_explicit_field_and_gzipped_jsonl(build, tmp_path, function_source):
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"code": "not used", "body_text": function_source("chosen")}) + "\n")
    stats, rows = build([path], sources_options=SourceOptions(field="body_text"))
    assert [row["name"] for row in rows] == ["chosen"]


def test_malformed_jsonl_line_is_an_error_naming_file_and_line_or_a_counted_skip(build, tmp_path, function_source):
    source = jsonl(tmp_path / "d.jsonl", [{"code": function_source("fine")}, '{"code": "unterminated', ["a list"]])
    with pytest.raises(CorpusError, match=r"d\.jsonl:2: malformed JSON"):
        build([source])
    stats, rows = build([source], sources_options=SourceOptions(skip_bad=True))
    assert [row["name"] for row in rows] == ["fine"] and stats.skipped == {"bad_row": 2}
    missing_field = jsonl(tmp_path / "e.jsonl", [{"code": function_source("fine")}, {"text": "no code here"}])
    with pytest.raises(CorpusError, match=r"e\.jsonl:2: row has no text field 'code'"):
        build([missing_field])
    unknown = jsonl(tmp_path / "f.jsonl", [{"body": "x"}])
    with pytest.raises(CorpusError, match=r"f\.jsonl:1: row has none of the code fields .*--field"):
        build([unknown])


def test_saved_dataset_folder_and_parquet_sources(build, tmp_path, function_source):
    import datasets

    rows_in = {"content": [function_source("from_train"), function_source("other", "-")], "path": ["x.py", "y.py"]}
    datasets.Dataset.from_dict(rows_in).save_to_disk(str(tmp_path / "saved"))
    stats, rows = build([tmp_path / "saved"])
    assert [(row["name"], row["path"]) for row in rows] == [("from_train", "x.py"), ("other", "y.py")]

    splits = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"code": [function_source("train_only")]}),
        test=datasets.Dataset.from_dict({"code": [function_source("test_only", "*")]}),
    )
    splits.save_to_disk(str(tmp_path / "splits"))
    stats, rows = build([tmp_path / "splits"], sources_options=SourceOptions(dataset_split="test"))
    assert [row["name"] for row in rows] == ["test_only"]
    with pytest.raises(CorpusError, match="has no split 'valid'; it has train, test"):
        build([tmp_path / "splits"], sources_options=SourceOptions(dataset_split="valid"))

    datasets.Dataset.from_dict(rows_in).to_parquet(str(tmp_path / "rows.parquet"))
    stats, rows = build([tmp_path / "rows.parquet"])
    assert [row["name"] for row in rows] == ["from_train", "other"]


def test_hub_dataset_ids_stream_through_load_dataset(build, monkeypatch, function_source):
    import datasets

    calls = []

    def endless_rows():
        for index in itertools.count():
            yield {"func_code_string": function_source(f"from_hub_{index}")}

    def fake_load_dataset(name, config, split, streaming):
        calls.append((name, config, split, streaming))
        return endless_rows()

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    stats, rows = build(["org/code-dataset"], max_documents=3)
    assert [row["name"] for row in rows] == ["from_hub_0", "from_hub_1", "from_hub_2"]
    assert calls == [("org/code-dataset", None, "train", True)]


def test_unavailable_hub_dataset_is_a_one_line_error(build):
    with pytest.raises(CorpusError, match="'no-such-org/no-such-dataset' is not a file, directory or glob") as error:
        build(["no-such-org/no-such-dataset"])
    assert "\n" not in str(error.value)


def test_missing_paths_and_empty_globs_are_errors(build, tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        build([tmp_path / "nowhere"])
    with pytest.raises(CorpusError, match="matched no files"):
        build([f"{tmp_path}/*.py"])


def test_a_language_module_failing_on_a_document_skips_only_that_document(build, write, tmp_path, monkeypatch, function_source):
    from batcoder.languages import get_language

    python = get_language("python")
    real_functions = python.functions

    def fragile_functions(source):
        if "explode" in source:
            raise RecursionError("maximum recursion depth exceeded")
        return real_functions(source)

    monkeypatch.setattr(python, "functions", fragile_functions)
    write(tmp_path / "src" / "a.py", function_source("explode"))
    write(tmp_path / "src" / "b.py", function_source("fine"))
    stats, rows = build([tmp_path / "src"])
    assert [row["name"] for row in rows] == ["fine"]
    assert stats.skipped == {"parse_failure": 1} and stats.skipped_examples["parse_failure"] == ["a.py"]
