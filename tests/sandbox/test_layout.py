"""The sandbox's filesystem layout: what is hidden, what is bound back, what a wipe keeps."""

import sys

from batcoder.sandbox import isolation, worker


def test_a_python_installation_under_the_scratch_directory_is_bound_back(monkeypatch, tmp_path):
    # tmp_path lies under /tmp, which the sandbox covers with its scratch tmpfs
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setattr(sys, "prefix", str(venv))
    layout = isolation._Layout.build(scratch_mb=8)
    assert str(venv.resolve()) in layout.exposed
    argv = isolation._bwrap_argv(layout, None, [], ["true"])
    bind = argv.index(str(venv.resolve()))
    assert argv[bind - 1] == "--ro-bind" and argv.index("--tmpfs") < bind  # bound after the tmpfs covers /tmp


def test_wipe_keeps_mount_points_and_the_directories_leading_to_them(tmp_path):
    (tmp_path / "job" / "deep").mkdir(parents=True)
    (tmp_path / "job" / "deep" / "out.txt").write_text("x")
    (tmp_path / "file.txt").write_text("x")
    mounted = tmp_path / "clone" / ".venv"
    mounted.mkdir(parents=True)
    (mounted / "python").write_text("bound back")
    (tmp_path / "clone" / "planted.py").write_text("x")
    worker._wipe_directory(str(tmp_path), {str(mounted)})
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["clone", "clone/.venv", "clone/.venv/python"]
