"""End to end: the smoke suite through Snakemake, incrementality, and config errors before any job."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from conftest import ROOT, snakemake
from hybrid_icl.train import load_model_file

SMOKE = ["--cores", "2", "--configfile", "config/smoke.yaml"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from conftest import copy_workflow

    wf = copy_workflow(tmp_path_factory.mktemp("smoke") / "wf")
    first = snakemake(wf, *SMOKE)
    return wf, first


def test_smoke_suite_produces_every_output(smoke_run):
    wf, _ = smoke_run
    out = wf / "results" / "smoke"
    for name in ("icl_scores.csv", "icl_scores.md", "icl_scores.tex", "curves.csv"):
        assert (out / "tables" / name).stat().st_size > 0
    for fig in ("errors_linear", "loss_linear", "scores"):
        for ext in ("pdf", "png"):
            assert (out / "figures" / f"{fig}.{ext}").stat().st_size > 1000
    scores = pd.read_csv(out / "tables" / "icl_scores.csv")
    assert set(scores["model"]) == {"gpt2", "llama", "mamba"}
    assert (scores["n_seeds"] == 2).all()
    assert scores["score"].notna().all()
    assert (scores["low"] <= scores["score"]).all() and (scores["score"] <= scores["high"]).all()
    curves = pd.read_csv(out / "tables" / "curves.csv")
    ls = curves[(curves["name"] == "least_squares")].sort_values("k")
    # noiseless d=3: least squares is exact once k >= d
    assert ls.loc[ls["k"] >= 3, "mean"].max() < 1e-6
    for model in ("gpt2", "llama", "mamba"):
        log = pd.read_csv(out / "runs" / "linear" / model / "s0" / "train_log.csv")
        assert list(log.columns) == ["step", "loss", "d_active", "n_points", "lr", "wall_time"]
        assert log["step"].iloc[-1] == 40


def test_smoke_suite_decides_the_claims_it_ran_and_lists_the_others(smoke_run):
    wf, _ = smoke_run
    tables = wf / "results" / "smoke" / "tables"
    table = pd.read_csv(tables / "claims.csv")
    claims = yaml.safe_load((wf / "config" / "claims.yaml").read_text())
    assert list(dict.fromkeys(table["claim"])) == list(claims)
    linear = table[table["claim"] == "linear_tracks_least_squares"].set_index("model")
    decided = linear.loc[["gpt2", "llama", "mamba"]]
    assert set(decided["verdict"]) <= {"holds", "does not hold", "inconclusive"}
    assert (decided["basis"] == "score interval").all() and (decided["n_seeds"] == 2).all()
    scores = pd.read_csv(tables / "icl_scores.csv").set_index("model")
    # S - 1 with the score table's own interval
    assert decided["value"].to_numpy() == pytest.approx(scores.loc[decided.index, "score"].to_numpy() - 1)
    assert (linear.drop(["all", "gpt2", "llama", "mamba"])["verdict"] == "not run in this suite").all()
    assert (table.loc[table["claim"] == "parity_attention_at_floor", "verdict"] == "not run in this suite").all()
    assert "linear_tracks_least_squares" in (tables / "claims.md").read_text()
    assert "<table" in (tables / "claims.html").read_text()


def test_smoke_suite_compares_each_models_predictions_with_each_baselines(smoke_run):
    wf, _ = smoke_run
    out = wf / "results" / "smoke"
    blob = np.load(out / "runs" / "linear" / "gpt2" / "s0" / "predictions.npz")
    assert blob["predictions"].shape == (16, 8, 1) and blob["predictions"].dtype == np.float32
    distances = pd.read_csv(out / "tables" / "by_task" / "linear" / "distances.csv")
    assert set(distances["model"]) == {"gpt2", "llama", "mamba"}
    assert set(distances["baseline"]) == {"zero", "least_squares", "averaging", "knn"}
    # the distance to the zero predictor at k = 0, where every baseline predicts 0, equals the
    # distance to least squares there
    first = distances[distances["k"] == 0].pivot(index="model", columns="baseline", values="distance")
    assert first["zero"].to_numpy() == pytest.approx(first["least_squares"].to_numpy())
    assert (out / "tables" / "by_task" / "linear" / "closest_baselines.md").read_text().count("k = ") == 8
    assert (out / "figures" / "distances_linear.png").stat().st_size > 1000


def test_second_run_has_nothing_to_do(smoke_run):
    wf, _ = smoke_run
    again = snakemake(wf, *SMOKE)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_editing_one_tasks_code_retrains_only_that_tasks_runs(smoke_run, tmp_path, monkeypatch):
    """The run key hashes the code a run uses, its own task module included: a change to another
    task's module leaves the smoke suite's (linear) runs alone, so does a comment in linear.py;
    a change to linear.py's code retrains them."""
    wf, _ = smoke_run
    package = tmp_path / "src" / "hybrid_icl"
    shutil.copytree(ROOT / "src" / "hybrid_icl", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("PYTHONPATH", str(package.parent))  # the edited copy shadows the installed package

    def trained_runs() -> list[tuple[str, str]]:
        dry = snakemake(wf, "-n", *SMOKE)
        text = dry.stdout + dry.stderr
        return re.findall(r"rule train:.*?wildcards: task=\w+, model=(\w+), seed=(\d+)", text, flags=re.S)

    assert trained_runs() == []  # an unedited copy: same keys
    with open(package / "tasks" / "many_outlier.py", "a") as fh:
        fh.write("\nEDITED = 1  # an edit to another task\n")
    with open(package / "tasks" / "linear.py", "a") as fh:
        fh.write("\n# a comment in this task\n")
    assert trained_runs() == []
    with open(package / "tasks" / "linear.py", "a") as fh:
        fh.write("\nEDITED = 1  # an edit to this task's code\n")
    assert sorted(trained_runs()) == sorted((m, s) for m in ("gpt2", "llama", "mamba") for s in "01")


def test_changing_one_models_hyperparameter_retrains_only_its_runs(smoke_run, tmp_path):
    wf, _ = smoke_run
    config = yaml.safe_load((wf / "config" / "smoke.yaml").read_text())
    config["models"]["llama"]["training"] = {"lr": 5.0e-4}
    changed = wf / "config" / "smoke_changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    dry = snakemake(wf, "-n", "--cores", "2", "--configfile", str(changed))
    text = dry.stdout + dry.stderr
    trained = re.findall(r"rule train:.*?wildcards: task=\w+, model=(\w+), seed=(\d+)", text, flags=re.S)
    assert sorted(trained) == [("llama", "0"), ("llama", "1")], text


def test_bad_config_stops_before_any_job_with_the_key_named(workflow_copy):
    config = yaml.safe_load((workflow_copy / "config" / "smoke.yaml").read_text())
    config["training"]["steps"] = -3
    config["models"]["gpt2"]["d_model"] = 15
    bad = workflow_copy / "config" / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    proc = snakemake(workflow_copy, "--cores", "1", "--configfile", str(bad), check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "training.steps" in text and "-3" in text
    assert "Traceback" not in text
    assert not (workflow_copy / "results").exists()


def test_hybrid_defined_only_in_the_config_trains_through_the_pipeline(workflow_copy):
    """A new architecture written as YAML recipes (no code) trains and is evaluated by the rules."""
    config = yaml.safe_load((workflow_copy / "config" / "smoke.yaml").read_text())
    config["suite"] = "inline"
    config["seeds"] = [0]
    config["models"] = {
        "my_hybrid": {
            "layers": [
                {"norm": "rms", "mixer": "mamba", "ffn": "swiglu"},
                {"norm": "layer", "mixer": "attention", "positions": "rope", "ffn": "mamba", "bias": True},
            ],
            "d_model": 16,
            "n_layer": 2,
            "n_head": 2,
            "d_state": 4,
        }
    }
    path = workflow_copy / "config" / "inline.yaml"
    path.write_text(yaml.safe_dump(config))
    target = "results/inline/runs/linear/my_hybrid/s0/errors.parquet"
    snakemake(workflow_copy, target, "--cores", "2", "--configfile", str(path))
    errors = pd.read_parquet(workflow_copy / target)
    assert errors["status"].eq("completed").all() and errors["error"].notna().all()
    record = load_model_file(workflow_copy / "results/inline/runs/linear/my_hybrid/s0/model.pt")
    assert record["run_record"]["layers"] == ["rms|mamba|swiglu|nobias", "layer|attention+rope|mamba|bias"]
    assert record["run_record"]["scan"] == "torch"
    job_log = (workflow_copy / "results/inline/logs/train/linear/my_hybrid/s0.log").read_text()
    assert "malloc: heap" in job_log  # every job inherits the Snakefile's allocator setting


def status_of(wf, *configfiles: str, options: tuple[str, ...] = ()) -> dict[tuple[str, str, int], dict]:
    """`python -m hybrid_icl status --json` in the workflow folder, keyed by (task, model, seed)."""
    proc = subprocess.run([sys.executable, "-m", "hybrid_icl", "status", "--json", *options,
                           "--configfile", *configfiles], cwd=wf, capture_output=True, text=True, check=True)
    return {(r["task"], r["model"], r["seed"]): r for r in json.loads(proc.stdout)}


def test_status_agrees_with_snakemake_about_what_is_trained(smoke_run, tmp_path):
    """The status command reads the run folders only; its verdict must match Snakemake's: every smoke
    run trained with its measured time, and after a model's learning rate changes, exactly the runs
    Snakemake would retrain (that model's) are stale."""
    wf, _ = smoke_run
    runs = status_of(wf, "config/smoke.yaml")
    assert len(runs) == 6 and {r["state"] for r in runs.values()} == {"trained"}
    for (task, model, seed), run in runs.items():
        log = pd.read_csv(wf / "results" / "smoke" / "runs" / task / model / f"s{seed}" / "train_log.csv")
        assert run["steps_done"] == run["steps"] == 40
        assert run["seconds"] == pytest.approx(log["wall_time"].iloc[-1]) and run["seconds"] > 0
        assert run["loss"] == pytest.approx(log["loss"].iloc[-1])
    assert status_of(wf, "config/smoke.yaml", options=("--model", "llama")) == {
        key: run for key, run in runs.items() if key[1] == "llama"
    }
    layer = tmp_path / "llama_lr.yaml"
    layer.write_text(yaml.safe_dump({"models": {"llama": {"training": {"lr": 5.0e-4}}}}))
    changed = status_of(wf, "config/smoke.yaml", str(layer))
    assert sorted(key for key, r in changed.items() if r["state"] == "stale") == [
        ("linear", "llama", 0), ("linear", "llama", 1)
    ]


def test_a_run_trained_from_the_cli_is_current_for_status_and_snakemake(workflow_copy):
    """`python -m hybrid_icl train` assembles a run as the workflow's train job does (settings, code
    version, folder): status calls it trained and Snakemake has nothing to do for it."""
    subprocess.run([sys.executable, "-m", "hybrid_icl", "train", "--configfile", "config/smoke.yaml",
                    "--task", "linear", "--model", "mamba", "--seed", "1"],
                   cwd=workflow_copy, capture_output=True, text=True, check=True)
    runs = status_of(workflow_copy, "config/smoke.yaml")
    assert runs[("linear", "mamba", 1)]["state"] == "trained"
    assert {r["state"] for key, r in runs.items() if key != ("linear", "mamba", 1)} == {"not started"}
    dry = snakemake(workflow_copy, "results/smoke/runs/linear/mamba/s1/model.pt", "-n", "--cores", "1",
                    "--configfile", "config/smoke.yaml")
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_where_prints_the_suites_folders_and_its_scores(smoke_run):
    """`make run` ends with `python -m hybrid_icl where`: the results folder and the score table."""
    wf, _ = smoke_run
    proc = subprocess.run([sys.executable, "-m", "hybrid_icl", "where", "--configfile", "config/smoke.yaml"],
                          cwd=wf, capture_output=True, text=True, check=True)
    assert "Results in results/smoke/:" in proc.stdout
    assert "claims    results/smoke/tables/claims.md" in proc.stdout
    assert (wf / "results" / "smoke" / "tables" / "icl_scores.md").read_text() in proc.stdout


def test_a_layered_config_adds_ood_evaluations_without_retraining(smoke_run, tmp_path):
    """A second --configfile adds OOD entries to the smoke suite: its runs are reused (no training
    job), the OOD tables appear, noisy labels are scored against ridge, and the orthogonal query,
    where least squares equals the zero predictor, gets an undefined score instead of a huge one."""
    wf, _ = smoke_run
    layer = tmp_path / "ood_layer.yaml"
    layer.write_text(
        yaml.safe_dump(
            {
                "ood": {
                    "scaled_x": {"train": "linear", "shift": "scaled_x", "params": {"scale": 2.0}},
                    "noisy_y": {
                        "train": "linear",
                        "shift": "noisy_y",
                        "params": {"noise_var": 0.5},
                        "reference": {"name": "ridge", "params": {"alpha": 0.5}},
                    },
                    "orthogonal_query": {"train": "linear", "shift": "orthogonal_query", "params": {"n_points": 3}},
                }
            }
        )
    )
    result = snakemake(wf, "--cores", "2", "--configfile", "config/smoke.yaml", str(layer))
    assert "rule train:" not in result.stdout + result.stderr
    scores = pd.read_csv(wf / "results" / "smoke" / "tables" / "ood_scores.csv")
    assert set(scores["task"]) == {"scaled_x", "noisy_y", "orthogonal_query"}
    assert set(scores.loc[scores["task"] == "noisy_y", "reference"]) == {"ridge"}
    assert set(scores.loc[scores["task"] == "scaled_x", "reference"]) == {"least_squares"}
    assert scores.loc[scores["task"] != "orthogonal_query", "score"].notna().all()
    assert scores.loc[scores["task"] == "orthogonal_query", "score"].isna().all()
    assert (wf / "results" / "smoke" / "figures" / "ood.pdf").stat().st_size > 1000


def test_one_task_figure_is_one_target_that_trains_only_its_task(workflow_copy):
    """errors_<task>.pdf depends on that task's runs only (per-task scoring), not on the whole suite."""
    config = yaml.safe_load((workflow_copy / "config" / "smoke.yaml").read_text())
    config["tasks"]["sparse"] = {**config["tasks"]["linear"], "kind": "sparse_linear", "sparsity": 2}
    two_tasks = workflow_copy / "config" / "two_tasks.yaml"
    two_tasks.write_text(yaml.safe_dump(config))
    target = "results/smoke/figures/errors_sparse.pdf"
    dry = snakemake(workflow_copy, target, "-n", "--cores", "2", "--configfile", str(two_tasks))
    text = dry.stdout + dry.stderr
    trained = re.findall(r"rule train:.*?wildcards: task=(\w+), model=(\w+), seed=(\d+)", text, flags=re.S)
    assert sorted(trained) == sorted((t, m, s) for t in ["sparse"] for m in config["models"] for s in "01"), text
    assert "rule score:" not in text and "rule score_task:" in text


def test_rule_params_do_not_depend_on_the_hash_seed(workflow_copy, monkeypatch):
    """Snakemake reruns a job whose params changed; params built from a set would change order with
    PYTHONHASHSEED (a cross-task OOD entry names two tasks) and rerun it for nothing."""
    config = yaml.safe_load((workflow_copy / "config" / "smoke.yaml").read_text())
    config["tasks"]["sparse"] = {**config["tasks"]["linear"], "kind": "sparse_linear", "sparsity": 2}
    config["ood"] = {"sparse_on_dense": {"train": "sparse", "eval_task": "linear"}}
    path = workflow_copy / "config" / "cross_task.yaml"
    path.write_text(yaml.safe_dump(config))
    target = "results/smoke/ood/sparse_on_dense/s0/eval_set.pt"
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    snakemake(workflow_copy, target, "--cores", "1", "--configfile", str(path))
    for hash_seed in ("1", "2", "3", "4", "5"):
        monkeypatch.setenv("PYTHONHASHSEED", hash_seed)
        dry = snakemake(workflow_copy, target, "-n", "--cores", "1", "--configfile", str(path))
        assert "Nothing to be done" in dry.stdout + dry.stderr, (hash_seed, dry.stdout + dry.stderr)
