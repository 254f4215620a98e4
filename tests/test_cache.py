"""Between-workflow output cache of rule train (`cache: "omit-software"`, used with --cache).

Two independent checkouts that share SNAKEMAKE_OUTPUT_CACHE train a run once: the second one
symlinks model.pt and train_log.csv from the cache without training. A changed hyperparameter is
a different cache key and trains again.
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
from conftest import copy_workflow as _copy_workflow

pytestmark = pytest.mark.slow

RUN = "results/smoke/runs/linear/gpt2/s0"
TRAIN_LOG = "results/smoke/logs/train/linear/gpt2/s0.log"



def copy_workflow(dest: Path) -> Path:
    """The workflow copy of conftest, plus envs/ (rules name conda envs; Snakemake records them)."""
    _copy_workflow(dest)
    if (ROOT / "envs").is_dir():
        shutil.copytree(ROOT / "envs", dest / "envs", dirs_exist_ok=True)
    return dest

def _trained(checkout: Path) -> bool:
    """Whether training ran in this checkout: it writes checkpoints to resume/ and progress to its log
    (Snakemake creates the log file, empty, even when it takes the outputs from the cache)."""
    log = checkout / TRAIN_LOG
    return (checkout / RUN / "resume").exists() or (log.exists() and log.stat().st_size > 0)


def _snakemake_cached(workdir: Path, cache: Path, *args: str) -> str:
    exe = Path(sys.executable).with_name("snakemake")
    env = {
        **os.environ,
        "SNAKEMAKE_OUTPUT_CACHE": str(cache),
        "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    proc = subprocess.run(
        # the target first: --configfile and --cache take several values
        [str(exe), f"{RUN}/model.pt", "--cores", "2", *args, "--cache"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return output


def test_second_checkout_reuses_the_cached_run_and_a_changed_setting_retrains(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    first = copy_workflow(tmp_path / "checkout_a")
    second = copy_workflow(tmp_path / "checkout_b")
    smoke = ["--configfile", "config/smoke.yaml"]

    out = _snakemake_cached(first, cache, *smoke)
    assert "Moving output file" in out and "to cache" in out, out
    assert _trained(first), "the first checkout must train"
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2, entries  # <hash>_model.pt and <hash>_log.csv
    assert (first / RUN / "model.pt").is_symlink()

    out = _snakemake_cached(second, cache, *smoke)
    assert "from cache" in out, out
    assert not _trained(second), "a cache hit must not train"
    for name in ("model.pt", "train_log.csv"):
        got = second / RUN / name
        assert got.is_symlink() and got.resolve() == (first / RUN / name).resolve()
        assert got.read_bytes() == (first / RUN / name).read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == entries

    # Nothing left to do in the second checkout, with or without the cache.
    out = _snakemake_cached(second, cache, *smoke, "-n")
    assert "Nothing to be done" in out, out

    # A different learning rate is a different run: trained (in a third checkout), cached anew.
    third = copy_workflow(tmp_path / "checkout_c")
    config = yaml.safe_load((third / "config" / "smoke.yaml").read_text())
    config["training"]["lr"] = config["training"]["lr"] / 2
    (third / "config" / "smoke_lr.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = _snakemake_cached(third, cache, "--configfile", "config/smoke_lr.yaml")
    assert "Moving output file" in out, out
    assert _trained(third), "a changed hyperparameter must train again"
    assert len(list(cache.iterdir())) == 4
    assert (third / RUN / "model.pt").resolve() != (first / RUN / "model.pt").resolve()
