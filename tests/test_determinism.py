"""Determinism: the same suite run twice, in two fresh copies, gives bit-identical evaluation tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from conftest import ROOT, copy_workflow, snakemake

MODELS = ("gpt2", "mamba")


def tiny_suite() -> dict:
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config["suite"], config["seeds"] = "determinism", [0]
    config["models"] = {m: config["models"][m] for m in MODELS}
    config["training"]["steps"] = 20
    config["evaluation"] = {"n_prompts": 32, "bootstrap": 50}
    return config


def run_suite(dest: Path) -> Path:
    wf = copy_workflow(dest)
    (wf / "config" / "determinism.yaml").write_text(yaml.safe_dump(tiny_suite()))
    tables = [f"results/determinism/tables/{name}.csv" for name in ("icl_scores", "curves")]
    snakemake(wf, *tables, "--cores", "2", "--configfile", "config/determinism.yaml")
    return wf / "results" / "determinism"


def assert_bitwise_equal(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    """Same columns, labels and float bit patterns (NaN equals NaN only with the same bits)."""
    assert list(a.columns) == list(b.columns) and a.shape == b.shape, name
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f":
            assert np.array_equal(x.astype(np.float64).view(np.int64), y.astype(np.float64).view(np.int64)), (name, column)
        else:
            assert (x == y).all(), (name, column)


def test_two_fresh_runs_give_identical_tables(tmp_path):
    first, second = run_suite(tmp_path / "a"), run_suite(tmp_path / "b")
    tables = ["tables/icl_scores.csv", "tables/curves.csv"]
    tables += [f"runs/linear/{m}/s0/errors.parquet" for m in MODELS] + ["baselines/linear/s0/errors.parquet"]
    for name in tables:
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        assert_bitwise_equal(read(first / name), read(second / name), name)
        if name.endswith(".csv"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    scores = pd.read_csv(first / "tables" / "icl_scores.csv")
    assert set(scores["model"]) == set(MODELS) and scores["score"].notna().all()
