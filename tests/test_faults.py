"""Faults: SIGKILL the workflow again and again (once mid-way through a checkpoint write), rerun,
and get bit for bit the result of an uninterrupted run; corrupt checkpoints; out of memory, full disk."""

from __future__ import annotations

import errno
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from conftest import ROOT, copy_workflow
from hybrid_icl import checkpoint as ckpt
from hybrid_icl.artifacts import ArtifactWriteError
from hybrid_icl import train as train_mod
from hybrid_icl.config import resolve_run, result_affecting
from hybrid_icl.jobs import ATTEMPT_HEADER, attempts_path

MODELS = ("gpt2", "mamba")
STEPS, CHECKPOINT_EVERY = 300, 20
KILLS = 5  # random SIGKILLs of the whole process group, besides the one inside a checkpoint write
FAULT_STEP = 40  # the checkpoint whose write is killed half-way (HYBRID_ICL_FAULT)
RUN = "results/faults/runs/linear/{model}/s0"
JOB_LOG = "results/faults/logs/train/linear/{model}/s0.log"
RESUMED = re.compile(r"resuming from checkpoint at step (\d+)")


def faults_config() -> dict:
    """The smoke suite cut to one task, seed and two models, with many checkpoints."""
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config["suite"], config["seeds"] = "faults", [0]
    config["models"] = {m: config["models"][m] for m in MODELS}
    config["training"].update(steps=STEPS, checkpoint_every=CHECKPOINT_EVERY, log_every=10)
    return config


def prepare(dest: Path) -> Path:
    wf = copy_workflow(dest)
    (wf / "config" / "faults.yaml").write_text(yaml.safe_dump(faults_config()))
    return wf


def targets() -> list[str]:
    return [RUN.format(model=m) + "/model.pt" for m in MODELS]


ARGS = ["--cores", "2", "--configfile", "config/faults.yaml"]
# What a user runs after a kill: the lock and incomplete-file markers of the killed snakemake stay
# behind (--nolock stands in for a separate `snakemake --unlock`).
RERUN = ["--rerun-incomplete", "--nolock"]


def start(wf: Path, attempt: int, env: dict | None = None, rerun: list[str] = RERUN) -> subprocess.Popen:
    """Snakemake in its own process group (so one killpg takes it and its jobs down)."""
    exe = Path(sys.executable).with_name("snakemake")
    out = open(wf / f"attempt_{attempt}.txt", "w")
    return subprocess.Popen(
        [str(exe), *targets(), *ARGS, *rerun],
        cwd=wf,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def archive_logs(wf: Path, attempt: int) -> None:
    """Move the job logs aside, so each attempt's log holds only that attempt (Snakemake would delete them)."""
    for model in MODELS:
        path = wf / JOB_LOG.format(model=model)
        if path.exists():
            path.rename(path.with_name(f"{path.name}.{attempt}"))


def log_text(wf: Path, model: str) -> str:
    """This attempt's part of a job log (the log also keeps the attempts before it)."""
    path = wf / JOB_LOG.format(model=model)
    return path.read_text().rpartition(ATTEMPT_HEADER)[2] if path.exists() else ""


def newest_checkpoint(wf: Path, model: str) -> int:
    files = ckpt.list_checkpoints(wf / RUN.format(model=model) / "resume")
    return int(files[-1].stem.split("_")[1]) if files else 0


def pending(wf: Path) -> list[str]:
    return [m for m in MODELS if not (wf / RUN.format(model=m) / "model.pt").exists()]


def wait_for_progress(wf: Path, proc: subprocess.Popen, models: list[str]) -> bool:
    """Block until every pending model's job logged a training step in this attempt; False if it never did."""
    deadline = time.time() + 180
    while proc.poll() is None and time.time() < deadline:
        if all("\nstep " in "\n" + log_text(wf, m) for m in models):
            return True
        time.sleep(0.02)
    return False


def check_resumes(wf: Path, expected: dict[str, int]) -> int:
    """Each job of this attempt resumed from the newest checkpoint left by the previous one."""
    resumed = 0
    for model, step in expected.items():
        text = log_text(wf, model)
        if "device:" not in text:  # the job did not start in this attempt
            continue
        found = [int(n) for n in RESUMED.findall(text)]
        if step == 0:
            assert not found, f"{model}: resumed although no checkpoint existed:\n{text}"
        else:
            assert found == [step], f"{model}: expected to resume from step {step}:\n{text}"
            resumed += 1
    return resumed


def final_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return train_mod.load_model_file(run_dir / "model.pt")["state_dict"]


def final_log(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "train_log.csv").drop(columns="wall_time")


def test_killed_workflow_resumes_to_the_uninterrupted_result(tmp_path):
    reference = prepare(tmp_path / "reference")
    uninterrupted = start(reference, 0, rerun=[])  # runs beside the faulted copy (timing does not matter)

    wf = prepare(tmp_path / "faulted")
    rng = random.Random(6)
    kills, write_kills, resumes, attempt = 0, 0, 0, 0
    expected = {m: 0 for m in MODELS}
    # Whether a model's job started its newest attempt with interrupted attempts on record. A kill
    # that lands after a job finished but before Snakemake recorded it reruns the job with none.
    history_at_start: dict[str, bool] = {}
    while True:
        attempt += 1
        assert attempt <= 3 * KILLS, "too many attempts without finishing"
        archive_logs(wf, attempt)
        had_history = {m: attempts_path(wf / JOB_LOG.format(model=m)).exists() for m in MODELS}
        if attempt == 1:  # both jobs SIGKILL themselves half-way through writing checkpoint FAULT_STEP
            proc = start(wf, attempt, {ckpt.FAULT_ENV: f"kill_during_checkpoint:{FAULT_STEP}"})
            assert proc.wait(timeout=300) != 0
            torn = list((wf / RUN.format(model=MODELS[0]) / "resume").glob(".ckpt_*.tmp"))
            assert torn, "the fault hook left no partial checkpoint"
            write_kills += 1
        elif kills < KILLS:
            proc = start(wf, attempt)
            training = wait_for_progress(wf, proc, pending(wf))
            time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += training  # only kills that land while training count
            proc.wait(timeout=60)
        else:
            proc = start(wf, attempt)
            assert proc.wait(timeout=300) == 0, (wf / f"attempt_{attempt}.txt").read_text()
        resumes += check_resumes(wf, expected)
        history_at_start.update({m: had_history[m] for m in MODELS if (wf / JOB_LOG.format(model=m)).exists()})
        if proc.returncode == 0:
            break
        expected = {m: newest_checkpoint(wf, m) for m in MODELS}
        if attempt == 1:
            assert expected == {m: FAULT_STEP - CHECKPOINT_EVERY for m in MODELS}

    assert uninterrupted.wait(timeout=300) == 0, (reference / "attempt_0.txt").read_text()
    assert kills == KILLS and write_kills == 1 and resumes >= KILLS
    for model in MODELS:
        ref_dir, run_dir = reference / RUN.format(model=model), wf / RUN.format(model=model)
        a, b = final_weights(ref_dir), final_weights(run_dir)
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{model}: {key} differs after {kills} kills"
        pd.testing.assert_frame_equal(final_log(ref_dir), final_log(run_dir), check_exact=True)
        assert not list((run_dir / "resume").glob(".*.tmp")), "stale temporary files left behind"
        kept = (wf / JOB_LOG.format(model=model)).read_text().count(ATTEMPT_HEADER)
        if history_at_start[model]:
            assert kept > 1, f"{model}: the job log lost its interrupted attempts"
    assert any(history_at_start.values()), "no job was rerun after an interrupted attempt"
    print(f"survived {kills} random kills + {write_kills} kill inside a checkpoint write; {resumes} resumes")


# --- the same faults through train_run alone (fast) -------------------------------------------------


def tiny_run(steps: int = 30) -> dict:
    config = faults_config()
    config["training"].update(steps=steps, batch_size=8, log_every=5, checkpoint_every=10, keep_checkpoints=2)
    run = result_affecting(resolve_run(config, "linear", "gpt2", 0))
    run["training"].update(threads=1, device="cpu")
    return run


def train(folder: Path, lines: list[str] | None = None) -> dict:
    progress = lines.append if lines is not None else (lambda _: None)
    return train_mod.train_run(tiny_run(), folder / "model.pt", folder / "log.csv", folder / "resume", progress)


def assert_same_result(a: Path, b: Path) -> None:
    wa, wb = final_weights(a), final_weights(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    log_a, log_b = (pd.read_csv(d / "log.csv").drop(columns="wall_time") for d in (a, b))
    pd.testing.assert_frame_equal(log_a, log_b, check_exact=True)


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("straight")
    train(folder)
    return folder


def test_corrupt_newest_checkpoint_is_skipped_with_a_warning(tmp_path, straight, caplog):
    train(tmp_path)  # leaves checkpoints 10 and 20 in resume/
    newest = ckpt.list_checkpoints(tmp_path / "resume")[-1]
    newest.write_bytes(newest.read_bytes()[:100])
    lines: list[str] = []
    with caplog.at_level("WARNING"):
        train(tmp_path, lines)
    assert "ckpt_000000020.pt is unusable" in caplog.text
    assert any("resuming from checkpoint at step 10" in line for line in lines), lines
    assert_same_result(straight, tmp_path)


def fail_at_call(monkeypatch, target, name: str, call: int, error) -> None:
    """Make ``target.name`` raise ``error()`` on its ``call``-th call (counting from 1)."""
    real, count = getattr(target, name), {"n": 0}

    def wrapper(*args, **kwargs):
        count["n"] += 1
        if count["n"] == call:
            error()
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)


def cpu_allocation_failure():
    torch.empty(2**50, dtype=torch.uint8)  # a real DefaultCPUAllocator failure (1 PiB)


def python_memory_error():
    raise MemoryError()


@pytest.mark.parametrize("error", [cpu_allocation_failure, python_memory_error])
def test_out_of_memory_names_run_step_and_advice_then_rerun_resumes(tmp_path, straight, monkeypatch, error):
    fail_at_call(monkeypatch, train_mod, "weighted_loss", 25, error)
    lines: list[str] = []
    with pytest.raises((MemoryError, RuntimeError)):
        train(tmp_path, lines)
    message = next(line for line in lines if "out of memory" in line)
    assert "linear/gpt2/s0" in message and "step 24" in message and "batch_size" in message, message
    monkeypatch.undo()
    lines = []
    train(tmp_path, lines)
    assert any("resuming from checkpoint at step 20" in line for line in lines), lines
    assert_same_result(straight, tmp_path)


# Files written with write_bytes in a 30-step run: checkpoint 10, snapshot 20, checkpoint 20, model.pt.
@pytest.mark.parametrize("call, name, step, resumed", [
    (2, "snapshots/step_000000020.pt", 20, 10),
    (3, "ckpt_000000020.pt", 20, 10),
    (4, "model.pt", 30, 20),
])
def test_full_disk_is_named_with_run_step_and_file_then_rerun_resumes(tmp_path, straight, monkeypatch, call, name,
                                                                       step, resumed):
    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device")

    fail_at_call(monkeypatch, Path, "write_bytes", call, disk_full)
    lines: list[str] = []
    with pytest.raises(ArtifactWriteError, match="disk is full"):
        train(tmp_path, lines)
    message = f"linear/gpt2/s0 stopped at step {step}: could not write"
    assert any(message in line and name in line and "disk is full" in line for line in lines), lines
    assert not (tmp_path / "model.pt").exists() and not list(tmp_path.rglob("*.tmp"))
    monkeypatch.undo()
    lines = []
    train(tmp_path, lines)
    assert any(f"resuming from checkpoint at step {resumed}" in line for line in lines), lines
    assert_same_result(straight, tmp_path)


# --- every output is written atomically ------------------------------------------------------------


def test_package_writers_go_through_atomic_rename(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from hybrid_icl import atomic, evaluate, plots
    from hybrid_icl.tasks import Prompts

    replaced: list[Path] = []
    real_replace = atomic.os.replace

    def record(src, dst):
        assert Path(src).parent == Path(dst).parent and Path(src).name.startswith(".")
        replaced.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", record)
    frame = pd.DataFrame({"k": [0, 1], "error": [1.0, 0.5]})
    evaluate.write_table(frame, tmp_path / "t.parquet")
    evaluate.write_table(frame, tmp_path / "t.csv")
    evaluate.save_prompts(Prompts(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1)), tmp_path / "eval_set.pt", {})
    plots.save(plt.figure(), tmp_path / "f.pdf", tmp_path / "f.png")
    train(tmp_path / "run")
    expected = ["t.parquet", "t.csv", "eval_set.pt", "f.pdf", "f.png", "run/model.pt", "run/log.csv"]
    for name in expected:
        assert tmp_path / name in replaced, name
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "f.pdf").read_bytes()[:4] == b"%PDF"
    checkpoints = [p for p in replaced if p.parent.name == "resume"]
    assert [p.name for p in checkpoints] == ["RUN_KEY", "ckpt_000000010.pt", "ckpt_000000020.pt"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_failed_figure_write_keeps_the_previous_file(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from hybrid_icl import plots

    plots.save(plt.figure(), tmp_path / "f.pdf", tmp_path / "f.png")
    before = (tmp_path / "f.pdf").read_bytes()
    fig = plt.figure()

    def torn(path, **kwargs):
        Path(path).write_bytes(b"%PDF-half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fig, "savefig", torn)
    with pytest.raises(OSError):
        plots.save(fig, tmp_path / "f.pdf", tmp_path / "f.png")
    assert (tmp_path / "f.pdf").read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_scripts_write_only_through_the_package():
    """Rule scripts call the package's atomic writers; none writes a file itself."""
    direct = re.compile(r"\.savefig\(|\.to_csv\(|\.to_parquet\(|torch\.save\(|open\([^)]*['\"][wa]|\.write_(text|bytes)\(")
    offenders = [
        f"{path.name}:{i}" for path in sorted((ROOT / "scripts").glob("*.py"))
        for i, line in enumerate(path.read_text().splitlines(), 1) if direct.search(line)
    ]
    assert not offenders, offenders
