"""Checksummed, atomic checkpoints: round trip, corruption fallback, disk-full errors."""

import errno
from pathlib import Path

import pytest
import torch

from hybrid_icl import checkpoint as ckpt


def state(step):
    return {"step": step, "weights": torch.arange(10.0) * step}


def test_round_trip_and_pruning(tmp_path):
    for step in (10, 20, 30):
        ckpt.save_checkpoint(tmp_path, step, state(step), keep=2)
    names = [p.name for p in ckpt.list_checkpoints(tmp_path)]
    assert names == ["ckpt_000000020.pt", "ckpt_000000030.pt"]
    loaded = ckpt.load_latest(tmp_path)
    assert loaded["step"] == 30 and torch.equal(loaded["weights"], state(30)["weights"])
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_corrupt_newest_falls_back_to_previous(tmp_path, damage, caplog):
    ckpt.save_checkpoint(tmp_path, 10, state(10))
    newest = ckpt.save_checkpoint(tmp_path, 20, state(20))
    blob = newest.read_bytes()
    if damage == "truncate":
        newest.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        middle = len(blob) // 2
        newest.write_bytes(blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1 :])
    else:
        newest.write_bytes(b"")
    with caplog.at_level("WARNING"):
        loaded = ckpt.load_latest(tmp_path)
    assert loaded["step"] == 10
    assert "unusable" in caplog.text
    assert (tmp_path / (newest.name + ".corrupt")).exists()


def test_read_only_load_skips_a_corrupt_newest_and_touches_nothing(tmp_path):
    """tidy=False (the status command): the same fallback, but no file is renamed or removed."""
    ckpt.save_checkpoint(tmp_path, 10, state(10))
    ckpt.save_checkpoint(tmp_path, 20, state(20)).write_bytes(b"garbage")
    (tmp_path / ".ckpt_000000030.pt.tmp").write_bytes(b"half")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert ckpt.load_latest(tmp_path, tidy=False)["step"] == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_all_corrupt_means_start_over(tmp_path):
    path = ckpt.save_checkpoint(tmp_path, 10, state(10))
    path.write_bytes(b"garbage")
    assert ckpt.load_latest(tmp_path) is None
    assert ckpt.load_latest(tmp_path / "missing") is None


def test_disk_full_gives_clear_error_and_keeps_previous(tmp_path, monkeypatch):
    ckpt.save_checkpoint(tmp_path, 10, state(10))

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(ckpt.CheckpointWriteError, match="disk is full"):
        ckpt.save_checkpoint(tmp_path, 20, state(20))
    monkeypatch.undo()
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["ckpt_000000010.pt"]
    assert not list(tmp_path.glob("*.tmp"))
    assert ckpt.load_latest(tmp_path)["step"] == 10
