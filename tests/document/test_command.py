"""``batcoder document`` on the multi-language fixture tree with a scripted backend."""

import json
import re
import subprocess

import pytest

from batcoder.cli import main
from batcoder.document.sources import find_sources, select_targets
from batcoder.languages import language_for_path


def targets_of(root, only_missing=False):
    skipped = {}
    return select_targets(find_sources([str(root)], None, skipped), only_missing=only_missing, max_code_chars=2000, skipped=skipped)[0]


@pytest.fixture
def backend(monkeypatch, project, kit):
    """The scripted backend the command gets instead of loading --model; reconstructions are exact."""
    scripted = kit.scripted_for(targets_of(project))
    loads = []

    def load(model, device, batch_size, backend="hf"):
        loads.append(model)
        return scripted, kit.CharTokenizer()

    monkeypatch.setattr("batcoder.generation.load_generation_backend", load)
    scripted.loads = loads
    return scripted


def functions_by_file(root):
    found = {}
    for path in sorted(root.rglob("*")):
        language = language_for_path(path)
        if language is not None:
            text = path.read_text(encoding="utf-8")
            assert not language.parse(text).root_node.has_error, path
            found[path.relative_to(root).as_posix()] = (language, language.functions(text))
    return found


def test_write_documents_exactly_the_targets_and_every_file_still_parses(project, backend, kit, capsys):
    before = functions_by_file(project)
    assert main(["document", str(project), "--model", "m", "--write", "--only-missing"]) == 0
    after = functions_by_file(project)  # asserts that every file parses
    changed = 0
    for name, (language, old_functions) in before.items():
        new_functions = after[name][1]
        assert [(f.name, f.kind, f.container) for f in old_functions] == [(f.name, f.kind, f.container) for f in new_functions]
        for old, new in zip(old_functions, new_functions):
            if old.docstring or old.nested:  # not targeted: untouched, comments and all
                assert new.code == old.code, (name, old.name)
            else:
                assert new.docstring and new.docstring != old.docstring, (name, old.name)
                assert language.strip_comments(new.code).split() == language.strip_comments(old.code).split()
                changed += 1
    assert changed == 14
    assert (project / "notes.txt").read_text() == "Not code.\n"
    summary = capsys.readouterr().err
    assert re.search(r"│ documented +│ +14 │ written into 5 files", summary) and "already documented 5" in summary


def test_a_rerun_with_only_missing_does_nothing(project, backend, kit, capsys):
    assert main(["document", str(project), "--model", "m", "--write", "--only-missing"]) == 0
    written = kit.snapshot(project)
    calls = len(backend.calls)
    assert main(["document", str(project), "--model", "m", "--write", "--only-missing"]) == 0
    assert kit.snapshot(project) == written
    assert len(backend.calls) == calls and backend.loads == ["m"]  # the second run did not even load the model
    assert "already documented 19" in capsys.readouterr().err


def test_diff_changes_nothing_on_disk_and_applies_as_a_patch(project, backend, kit, capsys, tmp_path, monkeypatch):
    original = kit.snapshot(project)
    monkeypatch.chdir(project)
    assert main(["document", ".", "--model", "m"]) == 0  # --diff is the default
    assert kit.snapshot(project) == original
    patch = capsys.readouterr().out
    assert patch.count("--- a/") == patch.count("+++ b/") == 5 and "+++ b/pkg/calc.py\n" in patch
    (tmp_path / "docs.patch").write_text(patch)
    subprocess.run(["git", "apply", "--check", "--unsafe-paths", str(tmp_path / "docs.patch")], cwd=project, check=True)
    subprocess.run(["git", "apply", "--unsafe-paths", str(tmp_path / "docs.patch")], cwd=project, check=True)
    assert kit.snapshot(project) != original
    functions_by_file(project)  # the patched files parse


def test_below_min_score_nothing_is_touched(project, monkeypatch, kit, capsys):
    wrong = "def nothing():\n    return None"
    scripted = kit.ScriptedBackend(code=lambda prompt: wrong)
    monkeypatch.setattr("batcoder.generation.load_generation_backend", lambda *args, **kwargs: (scripted, kit.CharTokenizer()))
    original = kit.snapshot(project)
    assert main(["document", str(project), "--model", "m", "--write", "--min-score", "0.99"]) == 0
    assert kit.snapshot(project) == original
    summary = capsys.readouterr().err
    assert "below threshold (S < 0.99)" in summary and "written into 0 files" in summary


def test_output_jsonl_records_scores_and_reconstructions(project, backend, kit, tmp_path):
    original = kit.snapshot(project)
    output = tmp_path / "out" / "docs.jsonl"
    assert main(["document", str(project), "--model", "m", "--output", str(output), "--k", "2"]) == 0
    assert kit.snapshot(project) == original
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 19 and {row["language"] for row in rows} == {"python", "ruby", "go", "javascript", "java"}
    clamp = next(row for row in rows if row["name"] == "clamp")
    assert clamp["status"] == "documented" and clamp["score"] == pytest.approx(1.0) and clamp["accepted"] == 2
    assert clamp["reconstruction"] == clamp["code"] and "# keep value" not in clamp["code"]
    assert clamp["rendered"].startswith('"""Compute a result') and clamp["documentation"] == kit.GOOD_DOC


def test_a_file_changed_on_disk_is_not_overwritten(project, backend, monkeypatch, capsys):
    from batcoder.document import run as run_module

    finish = run_module._finish
    go_file = project / "pkg" / "mathx.go"
    users_edit = go_file.read_text() + "\n// the user's new line\n"

    def finish_after_an_edit(source, *args, **kwargs):
        if source.path.name == "mathx.go":
            go_file.write_text(users_edit)  # the user saves the file while the model works
        return finish(source, *args, **kwargs)

    monkeypatch.setattr(run_module, "_finish", finish_after_an_edit)
    assert main(["document", str(project), "--model", "m", "--write"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error == f"batcoder: error: {go_file}: changed on disk since it was read; not overwritten (run again)"
    assert go_file.read_text() == users_edit
    assert '"""Compute a result' in (project / "pkg" / "calc.py").read_text()  # the other files were written
    assert not [path for path in project.rglob(".*partial")]


def test_write_keeps_permissions_and_writes_through_symbolic_links(project, backend, tmp_path):
    script = project / "pkg" / "calc.py"
    script.chmod(0o750)
    link = tmp_path / "link.py"
    link.symlink_to(script)
    assert main(["document", str(link), "--model", "m", "--write"]) == 0
    assert link.is_symlink() and '"""Compute a result' in script.read_text()
    assert script.stat().st_mode & 0o777 == 0o750


def test_bad_paths_are_one_line_errors_and_bad_files_counted_skips(project, backend, capsys):
    assert main(["document", str(project / "missing.py"), "--model", "m"]) == 2
    assert capsys.readouterr().err.strip() == f"batcoder: error: {project / 'missing.py'}: no such file or directory"
    assert main(["document", str(project / "notes.txt"), "--model", "m"]) == 2
    assert "not a file of a supported language" in capsys.readouterr().err
    assert main(["document", str(project), "--model", "m", "--language", "cobol"]) == 2
    assert "--language: unknown language 'cobol'" in capsys.readouterr().err

    (project / "broken.py").write_text("def broken(:\n    return\n")
    (project / "latin1.rb").write_bytes("# caf\xe9\ndef f\n  1\nend\n".encode("latin-1"))
    assert main(["document", str(project), "--model", "m", "--language", "python"]) == 0
    summary = capsys.readouterr().err
    assert "file has syntax errors 1" in summary and "not UTF-8" not in summary  # --language python: the Ruby file is not read
    assert main(["document", str(project), "--model", "m"]) == 0
    assert "file not UTF-8 1" in capsys.readouterr().err


def test_output_renders_below_threshold_documentation_too(project, monkeypatch, kit, tmp_path):
    scripted = kit.ScriptedBackend(code=lambda prompt: "def nothing():\n    return None")
    monkeypatch.setattr("batcoder.generation.load_generation_backend", lambda *args, **kwargs: (scripted, kit.CharTokenizer()))
    output = tmp_path / "docs.jsonl"
    assert main(["document", str(project / "pkg" / "calc.py"), "--model", "m", "--output", str(output), "--min-score", "0.99"]) == 0
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert rows and all(row["status"] == "below_threshold" and row["rendered"].startswith('"""') for row in rows)
    assert all(row["score"] < 0.99 for row in rows)
