"""Every file a later job reads is checksummed and verified: corrupt, truncated or missing files are
named with the fix; a full disk says so; files get the permissions the umask allows; job logs keep
the attempts that were interrupted."""

from __future__ import annotations

import errno
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ROOT
from hybrid_icl import artifacts, jobs
from hybrid_icl.artifacts import ArtifactError, ArtifactWriteError, load_parquet, load_torch, save_table, save_torch
from hybrid_icl.config import load_config
from hybrid_icl.evaluate import load_prompts, save_prompts
from hybrid_icl.status import inspect_run, report
from hybrid_icl.suite import Suite
from hybrid_icl.tasks import Prompts
from hybrid_icl.train import load_trained, snapshot_path, train_run

FRAME = pd.DataFrame({"k": np.arange(500), "error": np.linspace(0.0, 1.0, 500)})


def damaged(path: Path, how: str) -> None:
    """Truncate a file to half, or flip one byte in its middle."""
    blob = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(blob[: len(blob) // 2]))
    else:
        blob[len(blob) // 2] ^= 0xFF
        path.write_bytes(bytes(blob))


@pytest.mark.parametrize("how", ["truncated", "flipped"])
def test_a_damaged_torch_file_is_named_with_the_fix(tmp_path, how):
    path = tmp_path / "eval_set.pt"
    save_prompts(Prompts(torch.randn(4, 3, 2), torch.randn(4, 3, 1)), path, {"task": "linear"})
    assert load_prompts(path).xs.shape == (4, 3, 2)
    damaged(path, how)
    with pytest.raises(ArtifactError, match=f"{path} is unusable .*delete it and rerun the same snakemake command"):
        load_prompts(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ArtifactError, match="nothing.pt is missing; delete it and rerun"):
        load_torch(tmp_path / "nothing.pt")


@pytest.mark.parametrize("cut", [1, 64, 65])
def test_a_file_cut_inside_its_checksum_line_is_named_truncated(tmp_path, cut):
    path = tmp_path / "model.pt"
    save_torch({"xs": torch.ones(2)}, path)
    path.write_bytes(path.read_bytes()[:cut])
    for read in (load_torch, artifacts.verify_torch):
        with pytest.raises(ArtifactError, match=r"model.pt is unusable \(truncated: the file ends inside its checksum"):
            read(path)


def test_tables_are_read_once_and_a_missing_or_unreadable_one_is_named(tmp_path, monkeypatch):
    save_table(FRAME, tmp_path / "errors.parquet")
    save_table(FRAME, tmp_path / "curves.csv")
    (tmp_path / "folder.csv").mkdir()
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read whole to check it exists"))
    pd.testing.assert_frame_equal(load_parquet(tmp_path / "errors.parquet"), FRAME)
    pd.testing.assert_frame_equal(artifacts.load_csv(tmp_path / "curves.csv"), FRAME)
    for load, name in ((load_parquet, "nothing.parquet"), (artifacts.load_csv, "nothing.csv")):
        with pytest.raises(ArtifactError, match=f"{name} is missing; delete it and rerun"):
            load(tmp_path / name)
    with pytest.raises(ArtifactError, match=r"folder.csv cannot be read \(Is a directory\); delete it and rerun"):
        artifacts.load_csv(tmp_path / "folder.csv")


def test_a_plain_torch_file_from_before_checksums_still_loads(tmp_path):
    torch.save({"xs": torch.ones(2)}, tmp_path / "old.pt")
    assert torch.equal(load_torch(tmp_path / "old.pt")["xs"], torch.ones(2))


@pytest.mark.parametrize("how", ["truncated", "flipped"])
def test_a_damaged_parquet_table_is_named_with_the_fix(tmp_path, how):
    path = tmp_path / "errors.parquet"
    save_table(FRAME, path)
    pd.testing.assert_frame_equal(load_parquet(path), FRAME)
    damaged(path, how)
    with pytest.raises(ArtifactError, match=f"{path} is unusable"):
        load_parquet(path)


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("write", [
    lambda path: save_torch({"a": torch.ones(3)}, path / "eval_set.pt"),
    lambda path: save_table(FRAME, path / "errors.parquet"),
])
def test_a_full_disk_is_reported_as_such_and_leaves_no_file(tmp_path, monkeypatch, write):
    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(ArtifactWriteError, match=f"could not write {tmp_path}/.*: the disk is full"):
        write(tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- a trained run: snapshots and model.pt ---------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The smoke suite's linear/mamba run (40 steps, snapshots every 20), trained once."""
    root = tmp_path_factory.mktemp("trained")
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(root)
    torch.set_num_threads(1)
    suite = Suite(config)
    job = suite.training_job("linear", "mamba", 0)
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)
    return suite, job.model_path.parent


def retrain(suite, folder):
    job = suite.training_job("linear", "mamba", 0)
    job.model_path.unlink(missing_ok=True)
    job.log_path.unlink(missing_ok=True)
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)


def test_a_truncated_model_file_is_corrupt_in_status_and_named_by_evaluate(trained):
    suite, folder = trained
    good = (folder / "model.pt").read_bytes()
    try:
        damaged(folder / "model.pt", "truncated")
        run = inspect_run(suite, "linear", "mamba", 0)
        assert run.state == "corrupt" and "model.pt is unusable" in run.note
        assert "corrupt      1" in report([run], "smoke.yaml")
        with pytest.raises(ArtifactError, match=r"model.pt is unusable .*rerun target .*model.pt.*resumes"):
            load_trained(folder / "model.pt")
    finally:
        (folder / "model.pt").write_bytes(good)
    assert inspect_run(suite, "linear", "mamba", 0).state == "trained"


@pytest.mark.parametrize("how", ["flipped", "missing"])
def test_a_damaged_or_missing_snapshot_fails_the_run_naming_it_and_the_fix(trained, how):
    suite, folder = trained
    snapshot = snapshot_path(folder / "resume", 20)
    good = snapshot.read_bytes()
    try:
        damaged(snapshot, how) if how != "missing" else snapshot.unlink()
        expected = "is unusable" if how != "missing" else "is missing"
        with pytest.raises(ArtifactError, match=f"step_000000020.pt {expected}.*delete .*resume and rerun target"):
            retrain(suite, folder)
    finally:
        snapshot.write_bytes(good)
    retrain(suite, folder)
    assert sorted(load_torch(folder / "model.pt")["snapshots"]) == [20, 40]


# --- file modes ------------------------------------------------------------------------------------


WRITE_EVERY_KIND = """
import sys, pandas as pd, torch, matplotlib.pyplot as plt
from pathlib import Path
from hybrid_icl import artifacts, atomic, plots
from hybrid_icl.checkpoint import save_checkpoint
out = Path(sys.argv[1])
atomic.atomic_write_text(out / "a.txt", "x")
artifacts.save_torch({"a": 1}, out / "model.pt")
artifacts.save_table(pd.DataFrame({"a": [1]}), out / "t.parquet")
save_checkpoint(out / "resume", 10, {"a": 1})
plots.save(plt.figure(), out / "f.pdf", out / "f.png")
"""


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_files_get_the_permissions_the_umask_allows(tmp_path, umask, mode):
    """In a child process: the umask is process-wide, and pytest's own must not change."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    script = f"import os; os.umask({umask}); exec({WRITE_EVERY_KIND!r})"
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 6
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == mode, (path.name, oct(path.stat().st_mode))


# --- job logs ------------------------------------------------------------------------------------


def test_a_job_log_keeps_interrupted_attempts_until_the_job_succeeds(tmp_path):
    log = tmp_path / "logs" / "train" / "linear" / "gpt2" / "s0.log"
    log.parent.mkdir(parents=True)
    with pytest.raises(KeyboardInterrupt), jobs.job_log(str(log)):
        print("first attempt")
        raise KeyboardInterrupt  # stands in for a kill: the attempt never finishes
    log.unlink()  # Snakemake deletes a job's log before it runs the job again
    with jobs.job_log(str(log)):
        print("second attempt")
    text = log.read_text()
    assert text.count(jobs.ATTEMPT_HEADER) == 2 and text.index("first attempt") < text.index("second attempt")
    assert not jobs.attempts_path(log).exists()
    log.unlink()
    with jobs.job_log(str(log)):
        print("third attempt")
    assert log.read_text().count(jobs.ATTEMPT_HEADER) == 1  # history since the last success only


def test_a_full_disk_anywhere_in_a_job_names_the_job_and_cause(tmp_path, monkeypatch, capsys):
    log = tmp_path / "results" / "s" / "logs" / "baselines" / "linear" / "s0.log"
    log.parent.mkdir(parents=True)
    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(ArtifactWriteError), jobs.job_log(str(log)):
        save_table(FRAME, tmp_path / "errors.parquet")
    line = f"ERROR: job baselines linear/s0 failed: could not write {tmp_path}/errors.parquet: the disk is full"
    assert line in log.read_text() and line in capsys.readouterr().err


def test_out_of_memory_anywhere_in_a_job_names_the_job(tmp_path):
    log = tmp_path / "logs" / "evaluate" / "linear" / "gpt2" / "s1.log"
    log.parent.mkdir(parents=True)
    with pytest.raises(RuntimeError), jobs.job_log(str(log)):
        torch.empty(2**50, dtype=torch.uint8)  # a real allocator failure (1 PiB)
    assert "ERROR: job evaluate linear/gpt2/s1 failed: out of memory" in log.read_text()


def test_checksummed_bytes_are_the_torch_payload_behind_one_line():
    blob = artifacts.with_checksum(artifacts.torch_bytes({"a": 1}))
    digest, _, payload = blob.partition(b"\n")
    assert len(digest) == 64 and torch.load(io.BytesIO(payload))["a"] == 1


def test_an_unreadable_training_log_makes_the_run_corrupt_in_status(trained):
    config, folder = trained
    log = folder / "train_log.csv"
    good = log.read_bytes()
    try:
        log.write_bytes(b"\x00\xffnot a table\n\x00")
        run = inspect_run(config, "linear", "mamba", 0)
        assert run.state == "corrupt" and "train_log.csv" in run.note and "delete model.pt and rerun" in run.note
    finally:
        log.write_bytes(good)
    assert inspect_run(config, "linear", "mamba", 0).state == "trained"


def test_an_unparsable_csv_is_named_with_the_fix(tmp_path):
    path = tmp_path / "curves.csv"
    path.write_text('task,k\n"linear,1\n')  # an unterminated quote
    with pytest.raises(ArtifactError, match="curves.csv is unusable .*delete it and rerun"):
        artifacts.load_csv(path)


@pytest.mark.parametrize("how", ["truncated", "flipped"])
def test_damaged_predictions_are_named_with_the_fix(tmp_path, how):
    from hybrid_icl.distances import load_predictions, save_predictions

    path = tmp_path / "predictions.npz"
    save_predictions(path, {"gpt2": np.random.default_rng(0).normal(size=(64, 9, 1))})
    assert load_predictions(path)["gpt2"].shape == (64, 9, 1)
    damaged(path, how)
    with pytest.raises(ArtifactError, match="predictions.npz is unusable"):
        load_predictions(path)
