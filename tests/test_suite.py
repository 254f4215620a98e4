"""The Suite object: file layout, run assembly, each task's reference and baselines, OOD resolution."""

from __future__ import annotations

import copy

import pytest

from conftest import ROOT
from hybrid_icl import suite as suite_module
from hybrid_icl.config import load_config, result_affecting
from hybrid_icl.loss_curves import logged_losses
from hybrid_icl.provenance import run_key
from hybrid_icl.tasks import TASKS
from hybrid_icl.suite import RUN, Suite, checked_suite, ood_eval_task, reference_of, rule_name

TASK = {"n_dims": 3, "n_points": 8}


@pytest.fixture
def config() -> dict:
    """The smoke suite plus a sparse task scored against a trained model, and four OOD entries."""
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = "out"
    config["tasks"]["sparse"] = {**TASK, "kind": "sparse_linear", "sparsity": 2, "baselines": ["lasso"],
                                 "reference": "gpt2"}
    config["tasks"]["parity"] = {"kind": "sparse_parity", "n_dims": 4, "n_points": 10, "k": 2}
    config["ood"] = {
        "scaled_x": {"train": "linear", "shift": "scaled_x", "params": {"scale": 2.0}},
        "noisy_y": {"train": "linear", "shift": "noisy_y", "params": {"noise_var": 0.5},
                    "reference": {"name": "ridge", "label": "bayes_ridge", "params": {"alpha": 0.5}}},
        "dense_on_sparse": {"train": "linear", "eval_task": "sparse", "models": ["mamba"]},
        "query": {"train": "linear", "shift": "orthogonal_query", "params": {"n_points": 3}},
    }
    return config


def test_layout_gives_snakemake_patterns_and_concrete_paths(config):
    layout = Suite(config).layout
    assert layout.root == "out/smoke"
    assert layout.path("model") == "out/smoke/runs/{task}/{model}/s{seed}/model.pt"
    assert layout.path("model", task="linear") == "out/smoke/runs/linear/{model}/s{seed}/model.pt"
    assert str(layout.file("resume", task="linear", model="gpt2", seed=1)) == "out/smoke/runs/linear/gpt2/s1/resume"
    assert layout.path("scores", ext="tex") == "out/smoke/tables/icl_scores.tex"
    assert layout.log("train/{task}") == "out/smoke/logs/train/{task}.log"
    with pytest.raises(KeyError, match="needs model, seed"):
        layout.file("model", task="linear")


def test_paper_targets_and_rule_names(config):
    suite = Suite(config)
    assert list(suite.paper_table().values()) == [f"out/smoke/table_scores.{e}" for e in ("csv", "md", "tex")]
    assert suite.paper_targets("sparse") == [
        "out/smoke/fig_errors_sparse.pdf", "out/smoke/fig_errors_sparse.png",
        "out/smoke/fig_loss_sparse.pdf", "out/smoke/fig_loss_sparse.png",
    ]
    every = suite.paper_targets()
    assert "out/smoke/fig_scores.png" in every and len(every) == 3 + 2 * 2 * 3 + 2
    assert rule_name("paper", "sparse-2.b") == "paper_sparse_2_b"


def test_claims_and_paper_comparison_are_targets_only_when_the_suite_has_them(config):
    with_both = Suite(config).summary_targets()  # a claims file; linear and sparse linear by GPT-2 are paper cells
    assert with_both["claims"] == [f"out/smoke/tables/claims.{e}" for e in ("csv", "md", "html")]
    assert with_both["paper_comparison"][-1] == "out/smoke/tables/paper_order.csv"
    assert len(with_both["paper_comparison"]) == 4
    neither = {**copy.deepcopy(config), "tasks": {"noisy": {**TASK, "kind": "noisy_linear"}}, "ood": {}}
    del neither["claims"]  # and noisy linear is not a task of the paper's table
    assert Suite(neither).summary_targets() == {"claims": [], "paper_comparison": []}


def test_the_claims_file_is_read_once_per_suite(config, monkeypatch):
    """claims.smk and comparison.smk both ask for the summary targets at start-up."""
    import hybrid_icl.claims as claims_module

    reads = []
    read = claims_module.read_claims_file
    monkeypatch.setattr(claims_module, "read_claims_file", lambda path: reads.append(path) or read(path))
    suite = Suite(config)
    suite.claims(), suite.summary_targets(), suite.summary_targets()
    assert reads == [config["claims"]]


def test_fixed_paper_rules_are_the_workflows_rules_named_paper_something():
    """Validation refuses a task whose paper_<task> target would take one of these names."""
    import re

    text = "".join(path.read_text() for path in (ROOT / "workflow").rglob("*.smk"))
    fixed = {name for name in re.findall(r"^rule (paper_\w+):", text, re.M)}
    assert fixed == set(suite_module.FIXED_PAPER_RULES)


def test_a_runs_assembly_carries_resources_and_code_but_only_settings_key_it(config):
    suite = Suite(config)
    run = suite.run("linear", "gpt2", 1)
    assert run["seed"] == 1 and run["training"]["threads"] == 1 and run["training"]["mem_mb"] == 2000
    assert run["code_version"] == suite.code_version("linear", "gpt2")
    assert suite.run_settings("linear", "gpt2", 1) == result_affecting(run)
    four = suite.run("linear", "gpt2", 1, threads=4, device="cpu")
    assert four["training"]["threads"] == 4 and run_key(suite.training_job("linear", "gpt2", 1, threads=4).run) == \
        suite.run_key("linear", "gpt2", 1)
    changed = copy.deepcopy(config)
    changed["training"]["lr"] = 0.5
    assert Suite(changed).run_key("linear", "gpt2", 1) != suite.run_key("linear", "gpt2", 1)
    with pytest.raises(KeyError, match="not resource settings: lr"):
        suite.run("linear", "gpt2", 1, lr=0.1)


def test_a_training_job_and_loss_curves_find_a_runs_files_where_the_layout_puts_them(config, tmp_path, monkeypatch):
    for file, name in (("model", "weights.pt"), ("train_log", "log.csv"), ("resume", "state")):
        monkeypatch.setitem(suite_module.FILES, file, f"{RUN}/{name}")
    suite = Suite(config)
    job = suite.training_job("linear", "gpt2", 1)
    where = {"task": "linear", "model": "gpt2", "seed": 1}
    assert (job.model_path, job.log_path, job.resume_dir) == tuple(
        suite.layout.file(file, **where) for file in ("model", "train_log", "resume"))
    assert suite.training_job("linear", "gpt2", 1, folder=tmp_path).log_path == tmp_path / "log.csv"
    (tmp_path / "log.csv").write_text("step,loss\n10,0.5\n")
    assert logged_losses(tmp_path)["loss"].tolist() == [0.5]


def test_references_and_baselines_of_each_task(config):
    suite = Suite(config)
    assert suite.reference("linear") == {"kind": "baseline", "name": "least_squares"}
    assert suite.reference("sparse") == {"kind": "model", "name": "gpt2"}
    assert suite.reference("parity") == {"kind": "baseline", "name": "parity_elimination"}  # the kind's default
    # zero and a baseline reference are always run, once; a model reference is not a baseline
    assert [label for label, _, _ in suite.baselines("linear")] == ["zero", "least_squares", "averaging", "knn"]
    assert [label for label, _, _ in suite.baselines("sparse")] == ["lasso", "zero"]
    assert [label for label, _, _ in suite.baselines("parity")] == ["zero", "parity_elimination"]
    # a baseline labelled like a model of the suite is that baseline
    config["tasks"]["sparse"]["baselines"] = [{"name": "lasso", "label": "gpt2"}]
    assert reference_of(config, "sparse") == {"kind": "baseline", "name": "gpt2"}
    assert suite.metric("linear") == "mse" and suite.metric("parity") == TASKS["sparse_parity"].metric


def test_ood_entries_are_scored_by_their_eval_task_or_their_training_task(config):
    suite = Suite(config)
    assert ood_eval_task(config["ood"]["dense_on_sparse"]) == "sparse" == suite.ood_eval_task("dense_on_sparse")
    assert suite.ood_eval_task("scaled_x") == "linear"
    assert list(suite.ood_tasks("dense_on_sparse")) == ["linear", "sparse"]
    assert list(suite.ood_tasks("scaled_x")) == ["linear"]
    assert suite.ood_task_settings("dense_on_sparse")["kind"] == "sparse_linear"
    # own reference; a model reference (sparse: gpt2) falls back to the eval task kind's default baseline
    assert suite.ood_reference("noisy_y") == {"kind": "baseline", "name": "bayes_ridge"}
    assert suite.ood_reference("dense_on_sparse") == {"kind": "baseline", "name": "lasso"}
    assert suite.ood_reference("scaled_x") == {"kind": "baseline", "name": "least_squares"}
    assert suite.ood_baselines("noisy_y")[-1] == ("bayes_ridge", "ridge", {"alpha": 0.5})
    assert [label for label, _, _ in suite.ood_baselines("dense_on_sparse")] == ["lasso", "zero"]
    assert suite.ood_scored("query") == "last" and suite.ood_scored("scaled_x") == "all"
    assert [r for r in suite.ood_runs() if r[0] == "dense_on_sparse"] == [
        ("dense_on_sparse", "mamba", 0), ("dense_on_sparse", "mamba", 1)
    ]
    assert ("query", 1) in suite.ood_seeds() and len(suite.ood_seeds()) == 8


def test_checked_suite_drops_disabled_entries_and_names_every_problem(config):
    config["models"]["llama"] = None
    assert "llama" not in checked_suite(config).models()
    config["training"]["lr"] = "fast"
    with pytest.raises(ValueError, match="training.lr"):
        checked_suite(config)
