"""config/paper.yaml and the named paper targets (workflow/rules/paper.smk), by dry run only.

The full grid must resolve through the SLURM profile: 6 tasks x 13 architectures training jobs,
each asking for one GPU, and every named target must resolve.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, snakemake
from conftest import copy_workflow as _copy_workflow

pytestmark = pytest.mark.slow

PAPER = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
TASKS = list(PAPER["tasks"])
ARCHS = [
    "gpt2", "gpt2_rms", "gpt2_rope", "gpt2_swiglu", "gpt2_rms_swiglu", "gpt2_rms_rope", "gpt2_rope_swiglu",
    "llama", "llama_norope_mamba_first", "llama_mamba_ffn", "llama_norope_mamba_ffn", "mamba", "mambaformer",
]  # fmt: skip



def copy_workflow(dest: Path) -> Path:
    """The workflow copy of conftest, plus envs/ (rules name conda envs; Snakemake records them)."""
    _copy_workflow(dest)
    if (ROOT / "envs").is_dir():
        shutil.copytree(ROOT / "envs", dest / "envs", dirs_exist_ok=True)
    return dest

def job_counts(output: str) -> dict[str, int]:
    table = output.split("Job stats:", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


@pytest.fixture(scope="module")
def paper_dry_run(tmp_path_factory):
    wf = copy_workflow(tmp_path_factory.mktemp("paper") / "wf")
    snakefile = wf / "Snakefile"
    if "workflow/rules/paper.smk" not in snakefile.read_text():
        snakefile.write_text(snakefile.read_text() + '\ninclude: "workflow/rules/paper.smk"\n')
    targets = [
        "paper", "paper_table", "paper_figures", *(f"paper_{task}" for task in TASKS),
        "results/paper/table_scores.csv", "results/paper/fig_scores.pdf",
        *(f"results/paper/fig_{kind}_{task}.pdf" for kind in ("errors", "loss") for task in TASKS),
    ]  # fmt: skip
    # targets first: --configfile takes several values
    proc = snakemake(wf, *targets, "-n", "--profile", str(ROOT / "profiles" / "slurm"),
                     "--configfile", "config/paper.yaml")  # fmt: skip
    return proc.stdout + proc.stderr


def test_paper_config_is_the_full_grid():
    assert set(TASKS) == {"linear", "sparse_linear", "relu_net", "decision_tree", "sparse_parity", "retrieval"}
    big = {name: m for name, m in PAPER["models"].items() if not name.endswith(".r")}
    small = {name: m for name, m in PAPER["models"].items() if name.endswith(".r")}
    assert sorted(m["arch"] for m in big.values()) == sorted(ARCHS)
    assert sorted(m["arch"] for m in small.values()) == sorted(ARCHS)
    for m in big.values():
        assert (m["n_layer"], m["d_model"], m["n_head"]) == (12, 256, 8)
        assert (m["expand"], m["d_state"], m["d_conv"]) == (4, 16, 4)
    for m in small.values():
        assert (m["n_layer"], m["d_model"]) == (2, 128)
    training = PAPER["training"]
    assert (training["optimizer"], training["lr"], training["batch_size"], training["steps"]) == ("adam", 1e-4, 64, 500_000)
    assert training["gpu"] == 1
    assert PAPER["tasks"]["sparse_parity"]["training"] == {"lr": 4e-4, "steps": 200_000}
    assert PAPER["tasks"]["retrieval"]["training"] == {"lr": 2e-4}


def test_paper_dry_run_lists_every_training_job_with_a_gpu(paper_dry_run):
    output = paper_dry_run
    counts = job_counts(output)
    n_runs = len(TASKS) * len(ARCHS) * len(PAPER["seeds"])
    assert counts["train"] == n_runs >= 72
    assert counts["evaluate"] == n_runs
    train_jobs = re.findall(r"^rule train:\n(?:    .*\n)*?    resources: (.*)$", output, re.M)
    assert len(train_jobs) == n_runs
    for resources in train_jobs:
        assert "gpu=1" in resources and "runtime=2880" in resources and "mem_mb=16000" in resources, resources


def test_every_named_paper_target_resolves(paper_dry_run):
    output = paper_dry_run
    counts = job_counts(output)
    for rule in ("paper", "paper_table", "paper_figures", *(f"paper_{task}" for task in TASKS)):
        assert counts.get(rule) == 1, rule
    assert counts["paper_table_file"] == 3  # csv, md, tex
    assert counts["paper_figure_file"] == 2 * (2 * len(TASKS) + 1)  # errors and loss per task, scores; pdf + png


# config/paper_lite.yaml: the same grid, fewer steps (about one GPU-day by the FLOP estimate).
LITE = yaml.safe_load((ROOT / "config" / "paper_lite.yaml").read_text())
LITE_CHANGES = {("suite",), ("description",), ("training", "steps"), ("training", "runtime_min"),
                ("training", "precision"), ("tasks", "sparse_parity", "training", "steps")}  # fmt: skip


def differences(a, b, path=()) -> set[tuple]:
    """Key paths where two nested configs differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {p for key in a.keys() | b.keys() for p in differences(a.get(key), b.get(key), path + (key,))}
    return set() if a == b else {path}


def test_paper_lite_is_the_paper_grid_with_fewer_steps():
    assert differences(PAPER, LITE) == LITE_CHANGES
    assert LITE["suite"] == "paper_lite" and LITE["training"]["steps"] < PAPER["training"]["steps"]
    ratio = PAPER["training"]["steps"] / PAPER["tasks"]["sparse_parity"]["training"]["steps"]
    assert LITE["training"]["steps"] / LITE["tasks"]["sparse_parity"]["training"]["steps"] == ratio


def test_paper_lite_dry_run_lists_its_grid_and_targets(tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    proc = snakemake(wf, "paper", "-n", "--configfile", "config/paper_lite.yaml")
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["train"] == counts["evaluate"] == len(TASKS) * len(ARCHS) * len(LITE["seeds"])
    assert counts["paper"] == 1 and counts["paper_table_file"] == 3
    assert "results/paper_lite/table_scores.csv" in proc.stdout
