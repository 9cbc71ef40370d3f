"""The output-path rule (batcoder.outputs), for every command that writes: refused outputs leave
every file as it was and end in one line, before any work."""

import errno
import json
import os

import pytest

from batcoder.cli import main
from batcoder.outputs import MARKER, OutputError, claim_directory, prepare_output, remove_leftovers

CODE = 'def add(a, b):\n    """Return the sum of a and b."""\n    return a + b\n'


def test_sft_output_containing_its_inputs_is_refused_and_nothing_is_deleted(tmp_path, refused, corpus, model_dir, snapshot):
    (tmp_path / "in" / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    refused(["sft", "--model", str(model_dir), "--corpus", str(corpus), "--output", str(tmp_path / "in")],
            "contains the input")
    assert snapshot(tmp_path) == before


def test_sft_output_holding_user_files_is_refused_even_with_overwrite(tmp_path, refused, corpus, model_dir):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):
        refused(["sft", "--model", str(model_dir), "--corpus", str(corpus), "--output", str(mine), *extra],
                "did not write", "notes.txt")
    assert (mine / "notes.txt").read_text() == "mine"


def test_init_tiny_onto_its_corpus_is_refused(tmp_path, refused, corpus, snapshot):
    before = snapshot(tmp_path)
    refused(["model", "init-tiny", "--corpus", str(corpus), "--output", str(corpus)], "is also an input")
    assert snapshot(tmp_path) == before


TINY = ["--vocab-size", "300", "--hidden-size", "32", "--num-layers", "1", "--num-heads", "2", "--num-kv-heads", "1"]


def test_init_tiny_replaces_its_own_output_but_not_another_commands(tmp_path, refused, corpus):
    output = tmp_path / "tiny"
    argv = ["model", "init-tiny", "--corpus", str(corpus), "--output", str(output), *TINY]
    assert main(argv) == 0
    assert json.loads((output / MARKER).read_text())["command"] == "model init-tiny"
    assert main(argv) == 0  # its own previous output
    marker = json.loads((output / MARKER).read_text())
    (output / MARKER).write_text(json.dumps({**marker, "command": "sft"}))
    refused(argv, "holds the output of `batcoder sft`", "--overwrite")
    assert main([*argv, "--overwrite"]) == 0
    (output / "notes.txt").write_text("mine")  # a user's file in a model directory is never removed
    refused([*argv, "--overwrite"], "notes.txt")
    assert (output / "notes.txt").read_text() == "mine"


def test_save_model_never_removes_a_users_files(tmp_path):
    from batcoder.models.loading import staged_directory

    output = tmp_path / "model"
    output.mkdir()
    (output / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="notes.txt"):
        with staged_directory(output, "sft") as staging:
            (staging / "config.json").write_text("{}")
    assert [p.name for p in output.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # and no staging directory left


def test_synthesize_onto_its_corpus_is_refused_before_loading_the_model(tmp_path, refused, corpus, snapshot):
    before = snapshot(tmp_path)
    refused(["synthesize", "--model", str(tmp_path / "absent"), "--corpus", str(corpus), "--output", str(corpus)],
            "is also an input")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("suffix", ["same.py", "same.jsonl"])
def test_data_build_onto_its_source_is_refused(tmp_path, refused, suffix, snapshot):
    source = tmp_path / "in" / suffix
    source.parent.mkdir()
    source.write_text(CODE if suffix.endswith(".py") else json.dumps({"code": CODE}) + "\n")
    before = snapshot(tmp_path)
    refused(["data", "build", str(source), "-l", "python", "-o", str(source), "--workers", "1", "-q"],
            "is also an input")
    assert snapshot(tmp_path) == before


def test_data_build_reruns_onto_its_output_but_refuses_a_users_file(tmp_path, refused):
    source = tmp_path / "src" / "lib.py"
    source.parent.mkdir()
    source.write_text(CODE.replace("add", "add_numbers") + "\n\n" + CODE)
    output = tmp_path / "out" / "corpus.jsonl"
    argv = ["data", "build", str(source), "-l", "python", "-o", str(output), "--workers", "1", "-q", "--min-lines", "1"]
    assert main(argv) == 0
    assert main(argv) == 0
    output.write_text("my own edits\n")  # no longer the build's output
    refused(argv, "not a previous output", "--overwrite")
    assert output.read_text() == "my own edits\n"
    assert main([*argv, "--overwrite"]) == 0


def test_evaluate_checks_its_outputs_before_running_any_test(tmp_path, refused, monkeypatch):
    from batcoder.eval import runner

    monkeypatch.setattr(runner, "run_samples", lambda *a, **k: pytest.fail("tests ran before the output check"))
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return True\n"}) + "\n")
    base = ["evaluate", "--benchmark", "humaneval", "--samples", str(samples), "--output"]
    (tmp_path / "a-directory").mkdir()
    refused([*base, str(tmp_path / "a-directory")], "is a directory")
    (tmp_path / "a-file").write_text("x")
    refused([*base, str(tmp_path / "a-file" / "results.jsonl")], "cannot write", "a-file")
    (tmp_path / "results.summary.json").write_text("{}")  # a user's file where the summary would go
    refused([*base, str(tmp_path / "results.jsonl")], "results.summary.json", "--overwrite")
    refused([*base, str(samples)], "is also an input")


def test_similarity_pairs_onto_its_input_is_refused(tmp_path, refused, snapshot):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"a": CODE, "b": CODE, "language": "python"}) + "\n")
    before = snapshot(tmp_path)
    refused(["similarity", "--pairs", str(pairs), "--output", str(pairs)], "is also an input")
    assert snapshot(tmp_path) == before


def test_train_refuses_a_run_directory_holding_a_users_files(tmp_path, refused, snapshot):
    run_dir = tmp_path / "runs"
    run_dir.mkdir()
    (run_dir / "notes.txt").write_text("mine")
    config = tmp_path / "c.yaml"
    config.write_text("run:\n  steps: 1\n")
    refused(["train", "--config", str(config), "--output-dir", str(run_dir)], "notes.txt")
    assert snapshot(run_dir) == {"notes.txt": b"mine"}


def test_a_training_run_directory_is_claimed_once_and_its_leftovers_cleaned(tmp_path):
    run_dir = claim_directory(tmp_path / "run", "train")
    killed = run_dir / "checkpoints" / ".step-000004.pid999999999.tmp-abc"
    killed.mkdir(parents=True)
    (run_dir / ".final-model.tmp-xyz").mkdir()
    claim_directory(run_dir, "train")
    assert not killed.exists() and not (run_dir / ".final-model.tmp-xyz").exists()
    with pytest.raises(OutputError, match="run directory of `batcoder train`"):
        prepare_output(run_dir, "sft", directory=True, overwrite=True)


def test_leftovers_of_killed_runs_are_removed_but_a_live_writers_are_kept(tmp_path):
    output = tmp_path / "c.jsonl"
    dead_legacy = tmp_path / ".c.jsonl.abc123.partial"
    dead = tmp_path / ".c.jsonl.pid999999999.k2.partial"
    live = tmp_path / f".c.jsonl.pid{os.getppid()}.k3.partial"
    other = tmp_path / ".other.jsonl.abc.partial"
    for path in (dead_legacy, dead, live, other):
        path.write_text("half")
    prepare_output(output, "data build")
    assert not dead_legacy.exists() and not dead.exists()
    assert live.exists() and other.exists()
    assert remove_leftovers(tmp_path) == [other] and live.exists()  # every output's, when no name is given


def test_a_full_disk_is_one_line_naming_the_output(tmp_path, refused, monkeypatch):
    from batcoder.data import jsonl

    def no_space(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(jsonl.os, "fsync", no_space)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"a": CODE, "b": CODE, "language": "python"}) + "\n")
    output = tmp_path / "scored.jsonl"
    refused(["similarity", "--pairs", str(pairs), "--output", str(output)], str(output), "No space left")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl"]


def test_a_read_only_output_folder_is_one_line_at_start(tmp_path, refused, monkeypatch):
    from batcoder import outputs

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)  # chmod does not stop root: fake the file system
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"a": CODE, "b": CODE, "language": "python"}) + "\n")
    refused(["similarity", "--pairs", str(pairs), "--output", str(tmp_path / "out" / "s.jsonl")],
            "cannot write", "s.jsonl", "Read-only file system")


def test_document_and_rerank_sample_refuse_a_users_file_as_their_jsonl_output(tmp_path, refused, model_dir):
    source = tmp_path / "lib.py"
    source.write_text("def add(a, b):\n    return a + b\n")
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"mine": true}\n')
    problems = tmp_path / "problems.jsonl"
    problems.write_text(json.dumps({"task_id": "HumanEval/0", "prompt": "def f():\n", "test": "", "entry_point": "f"}) + "\n")
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": "HumanEval/0", "completion": "    return 1\n"}) + "\n")
    refused(["document", str(source), "--model", str(model_dir), "--output", str(notes)], str(notes))
    refused(["rerank", "sample", "--benchmark", "humaneval", "--data", str(problems), "--samples", str(samples),
             "--output", str(notes)], str(notes))
    assert notes.read_text() == '{"mine": true}\n'
