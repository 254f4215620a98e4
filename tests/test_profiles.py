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


# Rules whose jobs are worth a cluster job (GPU training, model or baseline evaluation); every other
# rule named below is cheap (copies, tables, figures, prompt sets) and runs on the submitting node.
SUBMITTED = {"train", "evaluate", "baselines", "evaluate_progress", "ood_evaluate", "ood_baselines"}
LOCAL = {
    "eval_set", "ood_eval_set", "score_task", "score", "ood_score", "score_progress",
    "figure_errors", "figure_loss", "figure_scores", "figure_ood", "figure_progress",
    "figure_architectures", "paper_table_file", "paper_figure_file",
}  # fmt: skip


RULE_FACTS = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

with SnakemakeApi(OutputSettings()) as api:
    workflow = api.workflow(
        resource_settings=ResourceSettings(),
        config_settings=ConfigSettings(configfiles=[Path("config/smoke.yaml")]),
        storage_settings=StorageSettings(),
        snakefile=Path("Snakefile"),
        workdir=Path("."),
    )._workflow  # the parsed rules (a private attribute: the API has no public one)
    facts = {
        rule.name: {
            "local": rule.name in workflow._localrules or rule.norun,
            "benchmark": rule.benchmark is not None,
            "cache": bool(rule.cache),
        }
        for rule in workflow.rules
    }
print(json.dumps(facts))
"""


def rule_facts(tmp_path) -> dict:
    """{rule: {local, benchmark, cache}} of the parsed workflow (smoke suite; nothing runs)."""
    from conftest import copy_workflow

    wf = copy_workflow(tmp_path / "wf")
    proc = subprocess.run(
        [sys.executable, "-c", RULE_FACTS], cwd=wf, capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cheap_rules_are_local_and_costly_ones_have_benchmarks(tmp_path):
    rules = rule_facts(tmp_path)
    local = {name for name, facts in rules.items() if facts["local"]}
    assert LOCAL <= local, f"not local: {sorted(LOCAL - local)}"
    assert not SUBMITTED & local, f"local, but costly: {sorted(SUBMITTED & local)}"
    for name in ("evaluate", "baselines"):
        assert rules[name]["benchmark"], f"rule {name} has no benchmark: file"
    # train is cached between workflows, which Snakemake does not allow together with benchmark:
    assert not rules["train"]["benchmark"] and rules["train"]["cache"]


def test_baseline_resources_come_from_the_suite(tmp_path):
    from conftest import copy_workflow, snakemake

    wf = copy_workflow(tmp_path / "wf")
    (wf / "config" / "resources.yaml").write_text(
        "baseline_resources: {threads: 2, mem_mb: 1234, runtime_min: 7}\n"
        "tasks: {linear: {baseline_resources: {mem_mb: 4321}}}\n"
    )
    proc = snakemake(wf, "-n", "--profile", "profiles/slurm", "--configfile", "config/smoke.yaml", "config/resources.yaml")
    blocks = [b for b in proc.stdout.split("\n\n") if "rule baselines:" in b]
    assert blocks, proc.stdout
    for block in blocks:
        assert "mem_mb=4321" in block and "runtime=7" in block, block  # task over suite over defaults


def test_baseline_resources_layers():
    from hybrid_icl.config import BASELINE_RESOURCE_DEFAULTS, baseline_resources

    config = {"baseline_resources": {"threads": 2}, "tasks": {"a": {"baseline_resources": {"mem_mb": 9}}, "b": {}}}
    assert baseline_resources(config, "a") == {**BASELINE_RESOURCE_DEFAULTS, "threads": 2, "mem_mb": 9}
    assert baseline_resources(config, "b") == {**BASELINE_RESOURCE_DEFAULTS, "threads": 2}
