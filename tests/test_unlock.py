"""Kill and rerun as a user does it: the stale lock of a killed Snakemake is released by
``python -m hybrid_icl.unlock`` (``make resume``), never while a Snakemake still runs in the folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from hybrid_icl import unlock
from hybrid_icl.jobs import ATTEMPT_HEADER

TARGET = "results/unlock/runs/linear/gpt2/s0/model.pt"
JOB_LOG = "results/unlock/logs/train/linear/gpt2/s0.log"


def test_a_snakemake_running_in_the_folder_is_found_and_unlocking_is_refused(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "snakemake"
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    fake.chmod(0o755)
    proc = subprocess.Popen([str(fake)], cwd=tmp_path)
    try:
        deadline = time.time() + 20
        while proc.pid not in unlock.snakemakes_in(tmp_path) and time.time() < deadline:
            time.sleep(0.1)
        assert proc.pid in unlock.snakemakes_in(tmp_path)
        assert proc.pid not in unlock.snakemakes_in(ROOT)
        monkeypatch.chdir(tmp_path)
        assert unlock.main(["--configfile", "x.yaml"]) == 2
        assert f"Snakemake is still running in {tmp_path}" in capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_after_a_kill_unlock_then_the_same_command_resumes(workflow_copy):
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config["suite"], config["seeds"] = "unlock", [0]
    config["training"].update(steps=400, checkpoint_every=20, log_every=10)
    (workflow_copy / "config" / "unlock.yaml").write_text(yaml.safe_dump(config))
    snakemake = [str(Path(sys.executable).with_name("snakemake")), TARGET, "--cores", "1",
                 "--configfile", "config/unlock.yaml"]
    first = subprocess.Popen(snakemake, cwd=workflow_copy, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = workflow_copy / JOB_LOG
    deadline = time.time() + 300
    while time.time() < deadline and not (log.exists() and "step 40/" in log.read_text()):
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()

    refused = subprocess.run(snakemake, cwd=workflow_copy, capture_output=True, text=True)
    assert refused.returncode != 0 and "cannot be locked" in refused.stdout + refused.stderr
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    unlocked = subprocess.run([sys.executable, "-m", "hybrid_icl.unlock", "--configfile", "config/unlock.yaml"],
                              cwd=workflow_copy, env=env, capture_output=True, text=True)
    assert unlocked.returncode == 0, unlocked.stderr
    rerun = subprocess.run(snakemake, cwd=workflow_copy, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    text = log.read_text()
    assert "resuming from checkpoint at step" in text and text.count(ATTEMPT_HEADER) == 2  # the killed attempt kept
