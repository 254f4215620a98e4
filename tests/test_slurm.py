"""The smoke suite on a real (single-node, throw-away) SLURM cluster through profiles/slurm.

tests/slurm/install.sh installs Debian's slurm-wlm and munge (needs root and apt-get; skipped
otherwise), tests/slurm/start.sh starts munged, slurmctld and slurmd with every file in a temp
dir, and tests/slurm/stop.sh stops them again, also when the test fails. The node declares one
fake GPU (gres.conf File=/dev/null) and the cluster has no accounting database, so this also
checks the profile's `slurm-status-command: squeue` and the mapping of `resources: gpu` to a
GPU request.

    python -m pytest -m slurm tests/test_slurm.py
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from conftest import copy_workflow as _copy_workflow
from hybrid_icl.config import experiment_grid, load_config

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

HELPERS = ROOT / "tests" / "slurm"
# The smoke suite cut to one seed of an attention model and a Mamba model (a layer over it): every
# rule still runs, as 10 SLURM jobs instead of the smoke suite's 28 (each job starts a Snakemake).
SLURM_LAYER = {"seeds": [0], "experiments": [{"models": ["gpt2", "mamba"]}]}
CONFIGFILES = ("config/smoke.yaml", "config/slurm_layer.yaml")


def copy_workflow(dest: Path) -> Path:
    """The workflow copy of conftest, plus envs/ (rules name conda envs; Snakemake records them)."""
    _copy_workflow(dest)
    if (ROOT / "envs").is_dir():
        shutil.copytree(ROOT / "envs", dest / "envs", dirs_exist_ok=True)
    return dest

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """SLURM_CONF of a running one-node cluster; the daemons stop at the end of the module."""
    if not sys.platform.startswith("linux"):
        pytest.skip("SLURM test: Linux only")
    daemons = ("munged", "slurmctld", "slurmd", "sbatch")
    installed = all(shutil.which(d) or Path("/usr/sbin", d).exists() for d in daemons)
    if not installed:
        if os.geteuid() != 0:
            pytest.skip("SLURM test: slurm-wlm/munge are not installed and installing them needs root")
        if not shutil.which("apt-get"):
            pytest.skip("SLURM test: slurm-wlm/munge are not installed and apt-get is not available")
    try:
        proc = subprocess.run(
            ["bash", str(HELPERS / "install.sh")], capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        pytest.skip("SLURM test: installing slurm-wlm and munge timed out")
    if proc.returncode != 0:
        pytest.skip(f"SLURM test: installing slurm-wlm and munge failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")

    state = tmp_path_factory.mktemp("slurm")
    env = {
        **os.environ,
        "SLURMCTLD_PORT": str(_free_port()),
        "SLURMD_PORT": str(_free_port()),
    }
    try:
        started = subprocess.run(
            ["bash", str(HELPERS / "start.sh"), str(state)], capture_output=True, text=True, env=env, timeout=120
        )
        if started.returncode != 0:
            pytest.fail(f"could not start SLURM:\n{started.stdout}\n{started.stderr}")
        yield state / "slurm.conf"
    finally:
        subprocess.run(["bash", str(HELPERS / "stop.sh"), str(state)], capture_output=True, text=True, timeout=60)


def _slurm_env(slurm_conf: Path) -> dict:
    venv_bin = str(Path(sys.executable).parent)
    # Jobs run under slurmd with the submitting environment (sbatch --export=ALL): the venv's
    # python and snakemake must come first on PATH there too.
    # STATE/bin/srun restores SLURM_CONF, which the jobstep plugin strips before its nested srun.
    shims = str(slurm_conf.parent / "bin")
    path = os.pathsep.join([shims, venv_bin, "/usr/sbin", "/usr/bin", os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "SLURM_CONF": str(slurm_conf)}


def _squeue_jobs(env: dict) -> list[dict]:
    """Every job the controller still remembers (finished ones stay for MinJobAge = 1 h)."""
    fmt = "JobID:|,State:|,Comment:|,tres-per-job:|,tres-per-node:|,NumCPUs:"
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "-O", fmt], env=env, capture_output=True, text=True, check=True
    ).stdout
    jobs = []
    for line in out.splitlines():
        if not line.strip():
            continue
        job_id, state, comment, per_job, per_node, cpus = (field.strip() for field in line.split("|"))
        jobs.append(
            {"id": job_id, "state": state, "comment": comment, "gres": f"{per_job} {per_node}", "cpus": cpus}
        )
    return jobs


def test_smoke_suite_runs_on_slurm_with_gpu_requests_for_training(slurm_cluster, tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    (wf / CONFIGFILES[-1]).write_text(yaml.safe_dump(SLURM_LAYER))
    runs = experiment_grid(load_config(*(wf / name for name in CONFIGFILES)))  # what Snakemake reads
    env = _slurm_env(slurm_cluster)
    args = [
        str(Path(sys.executable).with_name("snakemake")),
        "--profile", str(ROOT / "profiles" / "slurm"),
        "--configfile", *CONFIGFILES,
        # CI: poll often (the profile keeps the plugin's cluster-friendly defaults otherwise)
        "--slurm-init-seconds-before-status-checks", "2",
        "--latency-wait", "5",
        "--jobs", "4",
        "--slurm-keep-successful-logs",
        "--slurm-no-account",  # this cluster has no accounts (nor sacct to guess one from)
    ]  # fmt: skip
    try:
        proc = subprocess.run(args, cwd=wf, env=env, capture_output=True, text=True, timeout=1200)
    except subprocess.TimeoutExpired as err:
        log_dir = slurm_cluster.parent / "log"
        pytest.fail(
            f"snakemake on SLURM timed out\n{err.stdout}\n{err.stderr}\n"
            f"slurmctld:\n{_tail(log_dir / 'slurmctld.log')}\nslurmd:\n{_tail(log_dir / 'slurmd.log')}"
        )
    if proc.returncode != 0:
        slurm_logs = "\n".join(
            f"--- {p}\n{_tail(p)}" for p in sorted((wf / ".snakemake" / "slurm_logs").rglob("*.log"))
        )
        pytest.fail(f"snakemake on SLURM failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{slurm_logs}")

    out = wf / "results" / "smoke"
    tasks = sorted({task for task, _, _ in runs})
    for name in ["tables/icl_scores.csv", "tables/icl_scores.md", "figures/scores.pdf",
                 *(f"figures/{kind}_{task}.pdf" for kind in ("errors", "loss") for task in tasks)]:  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    for task, model, seed in runs:
        assert (out / "runs" / task / model / f"s{seed}" / "model.pt").stat().st_size > 0

    # What SLURM itself recorded: every costly rule instance was a SLURM job, the cheap localrules
    # (eval sets, scores, tables, figures) were not; training jobs asked for a GPU
    # (--gpus=1 -> tres-per-job gres:gpu:1), all others did not.
    jobs = _squeue_jobs(env)
    assert jobs, "squeue shows no jobs"
    # the last submission of each rule instance (the profile allows one retry) completed
    last = {}
    for job in sorted(jobs, key=lambda j: int(j["id"])):
        last[job["comment"]] = job
    assert all(job["state"] == "COMPLETED" for job in last.values()), jobs
    train = [job for job in jobs if job["comment"].startswith("rule_train_")]
    other = [job for job in jobs if not job["comment"].startswith("rule_train_")]
    assert {job["comment"] for job in train} == {f"rule_train_wildcards_{t}_{m}_{s}" for t, m, s in runs}
    submitted = {job["comment"].split("_wildcards")[0].removeprefix("rule_") for job in other}
    assert {"baselines", "evaluate"} <= submitted, other
    assert not {"eval_set", "score_task", "score", "figure_errors", "figure_scores"} & submitted, other
    for job in train:
        assert "gpu:1" in job["gres"], job
    for job in other:
        assert "gpu" not in job["gres"], job

    # jobcomp/filetxt logged each finished job too (a second witness that they ran under slurmd)
    jobcomp = (slurm_cluster.parent / "jobcomp.log").read_text()
    assert jobcomp.count("JobState=COMPLETED") >= len(last)
