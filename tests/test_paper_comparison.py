"""The paper's Table 3 as data, and our scores beside it (hybrid_icl.paper_comparison)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import kendalltau

from conftest import ROOT, copy_workflow, snakemake
from hybrid_icl.models.zoo import PAPER_TWELVE
from hybrid_icl.paper_comparison import (
    at_paper_scale,
    compare,
    comparison_markdown,
    kendall_tau_b,
    order_agreement,
    paper_table,
)

PAPER_REFERENCES = {"linear": "least_squares", "sparse_linear": "lasso", "relu_net": "gd_net",
                    "decision_tree": "gpt2", "sparse_parity": "mamba"}  # fmt: skip


def test_paper_table_has_every_cell_of_table_3():
    table = paper_table()
    assert len(table) == 12 * 5 and set(table["arch"]) == set(PAPER_TWELVE)
    assert not table.duplicated(["arch", "kind"]).any()
    assert dict(table[["kind", "reference"]].drop_duplicates().values) == PAPER_REFERENCES
    assert (table["source"] == "arXiv 2411.03945, Table 3").all()
    # "-" only in sparse parity, for the six GPT-2 variants (rows 1.1 to 1.6)
    missing = table[table["value"].isna()]
    assert set(missing["kind"]) == {"sparse_parity"} and sorted(missing["row"]) == [f"1.{i}" for i in range(1, 7)]
    references = table[table["is_reference"]]
    assert sorted(zip(references["arch"], references["kind"])) == [("gpt2", "decision_tree"), ("mamba", "sparse_parity")]
    assert (references["value"] == 1.0).all()
    assert table.loc[table["kind"] == "linear", "half_width"].eq(0.001).all()
    assert table.loc[table["kind"] != "linear", "half_width"].isna().all()
    cell = lambda arch, kind: table.loc[(table["arch"] == arch) & (table["kind"] == kind), "value"].item()  # noqa: E731
    assert cell("gpt2_rms", "sparse_linear") == 0.535 and cell("gpt2_rms", "decision_tree") == 0.114
    assert cell("llama", "sparse_parity") == 0.023 and cell("mamba", "relu_net") == 1.123


@pytest.mark.parametrize("seed", range(4))
def test_kendall_tau_b_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.integers(0, 4, 9).astype(float), rng.integers(0, 4, 9).astype(float)  # with ties
    assert kendall_tau_b(x, y) == pytest.approx(kendalltau(x, y, variant="b").statistic)


def scores_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["task", "model", "reference", "score", "low", "high"]).assign(
        n_seeds=1, status="completed"
    )


def test_cells_outside_our_interval_and_other_references_are_flagged():
    scores = scores_frame([
        ("lin", "g", "least_squares", 0.95, 0.94, 0.96),  # paper 0.996: outside
        ("lin", "m", "least_squares", 0.99, 0.98, 0.999),  # paper 0.995: inside
        ("lin", "extra", "least_squares", 0.5, 0.4, 0.6),  # not an architecture of the paper
        ("par", "g", "parity_elimination", 0.2, 0.1, 0.3),  # the paper scored parity against Mamba
        ("par", "m", "parity_elimination", 0.9, 0.8, 1.0),
        ("noisy", "g", "bayes", 0.9, 0.8, 1.0),  # a task kind the paper does not have
    ])  # fmt: skip
    kinds = {"lin": "linear", "par": "sparse_parity", "noisy": "noisy_linear"}
    table = compare(scores, kinds, {"g": "gpt2", "m": "mamba", "extra": "mambaformer"})
    assert list(zip(table["task"], table["model"])) == [("lin", "g"), ("lin", "m"), ("par", "g"), ("par", "m")]
    assert table["paper_outside_interval"].tolist() == [True, False, True, False]
    assert table["same_reference"].tolist() == [True, True, False, False]
    assert table["paper_row"].tolist() == ["1", "3", "1", "3"]
    markdown = comparison_markdown(table, order_agreement(table), paper_scale=False)
    assert "0.950 [0.940, 0.960] · paper 0.996 ✗" in markdown and "paper 1.000* ≠ref" in markdown
    assert "not expected to match" in markdown


def test_order_agreement_counts_pairs_by_hand():
    # ours: g 0.9 > l 0.8 > m 0.5; paper linear: l 0.997 > g 0.996 > m 0.995
    scores = scores_frame([("lin", "g", "ls", 0.9, 0.8, 1.0), ("lin", "l", "ls", 0.8, 0.7, 0.9),
                           ("lin", "m", "ls", 0.5, 0.4, 0.6)])  # fmt: skip
    table = compare(scores, {"lin": "linear"}, {"g": "gpt2", "l": "llama", "m": "mamba"})
    order = order_agreement(table).iloc[0]
    assert (order["n_models"], order["n_pairs"], order["agree"], order["disagree"], order["tied"]) == (3, 3, 2, 1, 0)
    assert order["disagreeing_pairs"] == "g > l"
    assert order["kendall_tau_b"] == pytest.approx(1 / 3)


def test_paper_scale_needs_every_compared_model_at_the_papers_size():
    assert at_paper_scale({"a": {"n_layer": 12, "d_model": 256}, "b": {"n_layer": 12, "d_model": 256}})
    assert not at_paper_scale({"a": {"n_layer": 12, "d_model": 256}, "b": {"n_layer": 4, "d_model": 64}})
    assert not at_paper_scale({})


@pytest.mark.slow
def test_tiny_paper_suite_produces_the_comparison(tmp_path):
    """A tiny copy of config/paper.yaml (two tasks, two tiny models, a few steps) through Snakemake:
    the comparison's linear/gpt2 cell equals the score table's and the paper's value."""
    wf = copy_workflow(tmp_path / "wf")
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    config["suite"] = "paper_tiny"
    config["tasks"] = {name: config["tasks"][name] for name in ("linear", "sparse_parity")}
    config["tasks"]["linear"].update(n_dims=3, n_points=8)
    config["tasks"]["sparse_parity"].update(n_dims=4, n_points=10, training={"lr": 1.0e-3})
    config["tasks"]["linear"].pop("curriculum")
    config["models"] = {name: {"arch": name, "d_model": 16, "n_layer": 2, "n_head": 2, "d_state": 4, "expand": 2}
                        for name in ("gpt2", "mamba")}  # fmt: skip
    config["experiments"] = [{"tasks": ["linear", "sparse_parity"], "models": ["gpt2", "mamba"]}]
    config["training"] = {"optimizer": "adam", "lr": 1.0e-3, "batch_size": 16, "steps": 20, "log_every": 10,
                          "checkpoint_every": 20, "threads": 1}  # fmt: skip
    config["evaluation"] = {"n_prompts": 32, "batch_size": 32, "bootstrap": 50}
    (wf / "config" / "paper_tiny.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(wf, "paper_comparison", "--cores", "2", "--configfile", "config/paper_tiny.yaml")
    tables = wf / "results" / "paper_tiny" / "tables"
    scores = pd.read_csv(tables / "icl_scores.csv")
    comparison = pd.read_csv(tables / "paper_comparison.csv", dtype={"paper_row": str})
    assert sorted(zip(comparison["task"], comparison["model"])) == sorted(
        (t, m) for t in ("linear", "sparse_parity") for m in ("gpt2", "mamba")
    )
    ours = scores[(scores["task"] == "linear") & (scores["model"] == "gpt2")].iloc[0]
    cell = comparison[(comparison["task"] == "linear") & (comparison["model"] == "gpt2")].iloc[0]
    assert (cell["score"], cell["low"], cell["high"]) == (ours["score"], ours["low"], ours["high"])
    assert (cell["paper_row"], cell["paper_value"], cell["paper_reference"]) == ("1", 0.996, "least_squares")
    assert bool(cell["paper_outside_interval"]) == (not ours["low"] <= 0.996 <= ours["high"])
    parity = comparison[comparison["task"] == "sparse_parity"].set_index("model")
    assert (parity["reference"] == "mamba").all() and parity.loc["mamba", "score"] == 1.0
    assert parity["same_reference"].all()
    secondary = pd.read_csv(tables / "secondary_scores.csv")
    assert set(secondary["metric"]) == {"sign_error"} and set(secondary["task"]) == {"sparse_parity"}
    order = pd.read_csv(tables / "paper_order.csv")
    assert list(order["task"]) == ["linear", "sparse_parity"] and (order["n_pairs"] == 1).all()
    markdown = (tables / "paper_comparison.md").read_text()
    assert "not expected to match" in markdown
    assert (tables / "paper_comparison.html").read_text().startswith("<!DOCTYPE html>")
