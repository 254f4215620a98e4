"""The conda environments (envs/*.yaml, used with --sdm conda) name every runtime dependency the
pip venv has, at the same pins, and jobs find this package in them (no conda is needed here)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from hybrid_icl.jobs import with_package_path

# Run the workflow, not its jobs: they live in the environment that runs snakemake.
WORKFLOW_TOOLS = {"snakemake", "snakemake-executor-plugin-slurm", "dvc"}
SAME_PACKAGE = {"xgboost-cpu": "xgboost"}  # the CPU-only wheel of the same package and version


def requirement(line: str) -> tuple[str, str | None]:
    """('numpy', '2.4.6') from 'numpy==2.4.6'; names normalised (PEP 503), variants mapped."""
    name, _, version = line.strip().partition("==")
    name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", name)[0]).lower()
    return SAME_PACKAGE.get(name, name), version or None


def venv_requirements() -> dict[str, str | None]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = dict(requirement(x) for x in lines if x.strip() and not x.startswith("#"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for name, version in map(requirement, project["dependencies"]):
        pins.setdefault(name, version)
    return {name: version for name, version in pins.items() if name not in WORKFLOW_TOOLS}


def env_packages(name: str) -> dict[str, str | None]:
    env = yaml.safe_load((ROOT / "envs" / f"{name}.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return dict(requirement(x) for x in pip if not x.startswith("-"))


@pytest.mark.parametrize("env", ["cpu", "gpu"])
def test_env_names_every_runtime_dependency_at_the_venv_pins(env):
    have = env_packages(env)
    for name, version in venv_requirements().items():
        assert name in have, f"envs/{env}.yaml lacks {name}"
        assert version is None or have[name] == version, f"envs/{env}.yaml pins {name}=={have[name]}, the venv {version}"


def test_gpu_env_adds_the_kernels_and_paper_suites_select_it():
    script = (ROOT / "envs" / "gpu.post-deploy.sh").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for pin in project["optional-dependencies"]["cuda"]:
        assert pin in script, f"gpu.post-deploy.sh does not install {pin}"
    for suite in ("paper", "paper_lite"):
        assert yaml.safe_load((ROOT / "config" / f"{suite}.yaml").read_text())["conda_env"] == "gpu"


def test_jobs_import_the_workflows_package_first():
    import hybrid_icl

    source = str(Path(hybrid_icl.__file__).resolve().parents[1])
    env = with_package_path({"PYTHONPATH": os.pathsep.join(["/elsewhere", source])})
    assert env["PYTHONPATH"].split(os.pathsep) == [source, "/elsewhere"]
    assert with_package_path({})["PYTHONPATH"] == source
