"""Snakemake profiles compose: the workflow profile (profiles/default/, loaded on every run) must not
override what --profile profiles/slurm or profiles/local set.

Effective settings come from Snakemake's own argument parsing (``snakemake.cli.parse_args``), run
in the repository layout (cwd = repository root, so profiles/default/ is found as Snakemake finds
it), exactly as ``snakemake --profile profiles/slurm ...`` would see them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

SETTINGS = ("keep_going", "latency_wait", "jobs", "cores", "executor", "rerun_incomplete")


def effective_settings(*argv: str) -> dict:
    """The command-line settings Snakemake resolves for ``snakemake <argv>`` run from the repo root."""
    code = (
        "import json, sys\n"
        "from snakemake.cli import parse_args\n"
        "_, args = parse_args(sys.argv[1:])\n"
        f"print(json.dumps({{k: getattr(args, k) for k in {SETTINGS!r}}}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def profile(name: str) -> dict:
    return yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text()) or {}


def test_slurm_profile_settings_survive_the_workflow_profile():
    got = effective_settings("--profile", "profiles/slurm", "-n", "--configfile", "config/smoke.yaml")
    assert got["executor"] == "slurm"
    assert got["keep_going"] is True, "one failed run must not stop the others on a cluster"
    assert got["latency_wait"] == 60, "shared file systems need a long latency-wait"
    assert got["jobs"] == 100
    assert got["cores"] is None, "cores must not be capped at the login node's core count"


def test_local_profile_keeps_its_local_defaults():
    got = effective_settings("--profile", "profiles/local", "-n")
    assert got["keep_going"] is False and got["latency_wait"] == 5 and got["cores"] is not None
    assert got["executor"] in (None, "local")


@pytest.mark.parametrize("other", ["slurm", "local"])
def test_workflow_profile_holds_only_keys_every_profile_agrees_on(other):
    for key, value in profile("default").items():
        assert profile(other).get(key, value) == value, f"profiles/default sets {key}={value!r}, profiles/{other} differs"
