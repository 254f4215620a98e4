"""Results round trip through DVC: run -> publish (dvc commit + push) -> fresh clone -> pull.

After scripts/dvc_pull.sh a clone must see the pulled results as up to date (DVC checkout gives
every file a new mtime, in no particular order; the script re-stamps them with snakemake --touch),
and a deleted figure must come back without training anything. Uses a one-run subset of the
smoke suite, a temp git repo and a temp local remote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
REPO_FILES = ("Snakefile", "workflow", "scripts", "config", "envs", "profiles", "dvc.yaml", ".dvcignore", ".gitignore")
TARGETS = [
    "results/smoke/figures/errors_linear.pdf",
    "results/smoke/figures/loss_linear.pdf",
    "results/smoke/tables/icl_scores.csv",
]
MODEL = "results/smoke/runs/linear/gpt2/s0/model.pt"


def _env() -> dict:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org",
    }  # fmt: skip


def _run(cwd: Path, *cmd: str, timeout: int = 600) -> str:
    proc = subprocess.run(list(cmd), cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{output}"
    return output


def _snakemake(cwd: Path, *args: str) -> str:
    # targets first: --configfile takes several values
    return _run(cwd, str(BIN / "snakemake"), *args, "--cores", "2", "--configfile", "config/smoke.yaml")


@pytest.fixture
def origin(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("DVC test: git is not installed")
    if not (BIN / "dvc").exists() and shutil.which("dvc") is None:
        pytest.skip("DVC test: dvc is not installed in this environment")
    if not (ROOT / "dvc.yaml").exists() or not (ROOT / ".dvc" / "config").exists():
        pytest.skip("DVC test: the repository is not a DVC repo (dvc.yaml, .dvc/config)")
    repo = tmp_path / "origin"
    repo.mkdir()
    for part in REPO_FILES:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, repo / part)
        elif src.exists():
            shutil.copy2(src, repo / part)
    (repo / ".dvc").mkdir()
    for name in ("config", ".gitignore"):
        shutil.copy2(ROOT / ".dvc" / name, repo / ".dvc" / name)
    # one seed, one model: the whole pipeline once, in seconds
    config = yaml.safe_load((repo / "config" / "smoke.yaml").read_text())
    config["seeds"] = [0]
    config["models"] = {"gpt2": config["models"]["gpt2"]}
    (repo / "config" / "smoke.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    _run(repo, "git", "init", "-q")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-qm", "workflow")
    return repo


def test_publish_clone_pull_is_up_to_date_and_figures_regenerate_without_training(origin, tmp_path):
    remote = tmp_path / "remote"
    dvc = str(BIN / "dvc")
    _run(origin, dvc, "remote", "modify", "--local", "local", "url", str(remote))

    _snakemake(origin, *TARGETS)
    assert (origin / MODEL.replace("model.pt", "resume")).is_dir()
    _run(origin, "bash", "scripts/dvc_publish.sh", "config/smoke.yaml")
    assert (origin / "dvc.lock").exists()
    tracked = _run(origin, dvc, "ls", "-R", ".", "results/smoke").split()
    assert "runs/linear/gpt2/s0/model.pt" in tracked and "figures/errors_linear.pdf" in tracked
    assert not any("resume" in path for path in tracked), "resume/ checkpoints must not be published"
    _run(origin, "git", "add", "dvc.lock")
    _run(origin, "git", "commit", "-qm", "results: smoke")

    clone = tmp_path / "clone"
    _run(tmp_path, "git", "clone", "-q", str(origin), str(clone))
    assert not (clone / "results").exists()
    # a remote of the user's own, as docs/cluster.md says: added in .dvc/config.local as the default
    _run(clone, dvc, "remote", "add", "-d", "--local", "store", str(remote))
    _run(clone, "bash", "scripts/dvc_pull.sh", "config/smoke.yaml", *TARGETS)
    assert (clone / MODEL).read_bytes() == (origin / MODEL).read_bytes()
    assert "Nothing to be done" in _snakemake(clone, *TARGETS, "-n")

    # A figure regenerates from the pulled tables alone: no training, no evaluation.
    for ext in ("pdf", "png"):
        (clone / f"results/smoke/figures/errors_linear.{ext}").unlink()
    out = _snakemake(clone, TARGETS[0])
    assert "rule figure_errors" in out
    for rule in ("train", "evaluate", "score", "eval_set", "baselines"):
        assert f"rule {rule}:" not in out, f"rule {rule} ran:\n{out}"
    assert (clone / TARGETS[0]).stat().st_size > 0
