"""Checkpoints survive what kills runs: a damaged newest one is set aside and the previous used; the disk
holds at most keep_last copies; writes are fsynced before the rename; leftovers are cleaned."""

import os

import pytest
import torch

from batcoder.errors import UserError
from batcoder.rl import checkpoints
from batcoder.rl.checkpoints import list_checkpoints, load_latest_checkpoint, save_checkpoint


def state(step):
    return {"step": step, "model": {"w": torch.full((4,), float(step))}}


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_damaged_newest_checkpoint_is_set_aside_and_the_previous_one_used(tmp_path, capsys, damage):
    for step in (1, 2):
        save_checkpoint(tmp_path, step, state(step), keep_last=2)
    newest = tmp_path / "step-000002" / "state.pt"
    data = newest.read_bytes()
    newest.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    loaded = load_latest_checkpoint(tmp_path)
    assert loaded["step"] == 1 and torch.equal(loaded["model"]["w"], torch.full((4,), 1.0))
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "step-000002" in err and "set aside" in err, err
    damaged = data[: len(data) // 2] if damage == "truncated" else b""
    assert (tmp_path / "step-000002.broken" / "state.pt").read_bytes() == damaged  # set aside, not deleted
    assert list_checkpoints(tmp_path) == [tmp_path / "step-000001"]


def test_when_no_checkpoint_loads_it_is_one_line_error(tmp_path, capsys):
    save_checkpoint(tmp_path, 1, state(1), keep_last=2)
    (tmp_path / "step-000001" / "state.pt").write_bytes(b"")
    with pytest.raises(UserError, match="no checkpoint"):
        load_latest_checkpoint(tmp_path)
    assert (tmp_path / "step-000001.broken").is_dir()


@pytest.mark.parametrize("keep_last", [1, 2, 3])
def test_at_most_keep_last_copies_are_on_disk_while_one_is_written(tmp_path, monkeypatch, keep_last):
    peak = []
    real_save = torch.save

    def counting_save(obj, handle):
        peak.append(len(list_checkpoints(tmp_path)) + 1)  # the old ones plus the one being written
        real_save(obj, handle)

    monkeypatch.setattr(checkpoints.torch, "save", counting_save)
    for step in range(1, 6):
        save_checkpoint(tmp_path, step, state(step), keep_last=keep_last)
    assert max(peak) == max(keep_last, 2)  # one intact checkpoint always remains while writing
    assert [p.name for p in list_checkpoints(tmp_path)] == [f"step-{s:06d}" for s in range(6 - keep_last, 6)]


def test_file_and_directories_are_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(checkpoints.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(checkpoints.os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b)))
    save_checkpoint(tmp_path, 1, state(1), keep_last=2)
    assert events == ["fsync", "fsync", "rename", "fsync"]  # state.pt, its directory; rename; the parent


def test_leftovers_of_a_killed_checkpoint_write_are_removed(tmp_path):
    save_checkpoint(tmp_path, 1, state(1), keep_last=2)
    for name in (".step-000002.tmp-abc", ".step-000002.pid999999999.tmp-def"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "state.pt").write_bytes(b"half")
    assert load_latest_checkpoint(tmp_path)["step"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-000001"]


def test_saving_the_same_step_again_replaces_it(tmp_path):
    save_checkpoint(tmp_path, 3, state(3), keep_last=2)
    save_checkpoint(tmp_path, 3, {**state(3), "extra": 1}, keep_last=2)
    assert load_latest_checkpoint(tmp_path)["extra"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-000003"]
