"""`python -m hybrid_icl status`: run states from the run folders, measured times, remaining estimate.

Its agreement with Snakemake on trained and stale runs is tested end to end in test_workflow.py.
"""

from __future__ import annotations

import pytest

from conftest import ROOT
from hybrid_icl.config import load_config
from hybrid_icl.status import (
    RunStatus,
    inspect_run,
    mean_points,
    remaining_seconds,
    report,
    run_folder,
    workflow_run,
)
from hybrid_icl.train import train_run


def test_mean_points_averages_the_curriculum_exactly():
    task = {"n_dims": 3, "n_points": 8, "curriculum": {"points": {"start": 5, "end": 8, "inc": 3, "interval": 20}}}
    assert mean_points(task, 40) == pytest.approx((5 * 20 + 8 * 20) / 40)
    assert mean_points(task, 50) == pytest.approx((5 * 20 + 8 * 30) / 50)
    assert mean_points(task, 10) == pytest.approx(5.0)
    assert mean_points({"n_dims": 3, "n_points": 8}, 40) == pytest.approx(8.0)


def test_remaining_time_scales_measured_speed_by_steps_and_prompt_length():
    """Model a: 10 s for 100 steps of 10-example prompts = 0.01 s per step and example."""
    runs = [
        RunStatus("t", "a", 0, "trained", 100, 100, 10.0, 10.0),
        RunStatus("u", "a", 0, "not started", 0, 200, None, 20.0),  # 0.01 * 200 * 20 = 40 s
        RunStatus("t", "a", 1, "partial", 50, 100, 5.0, 10.0),  # the rest: 0.01 * 50 * 10 = 5 s
        RunStatus("t", "a", 2, "stale", 100, 100, 10.0, 10.0),  # retrains in full: 0.01 * 100 * 10
        RunStatus("t", "b", 0, "not started", 0, 100, None, 10.0),  # no measured run of b
    ]
    left, unknown = remaining_seconds(runs)
    assert left == pytest.approx(40.0 + 5.0 + 10.0)
    assert [(r.model, r.seed) for r in unknown] == [("b", 0)]
    text = report(runs, "suite.yaml")
    assert "trained      1 of 5 runs" in text and "1 runs not estimated: no run of b measured yet" in text


def test_killed_run_is_partial_at_its_checkpoint_and_a_changed_setting_makes_it_stale(tmp_path, one_thread):
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path)
    folder = run_folder(config, "linear", "mamba", 0)
    train_run(workflow_run(config, "linear", "mamba", 0), folder / "model.pt", folder / "train_log.csv",
              folder / "resume", progress=lambda _: None)
    trained = inspect_run(config, "linear", "mamba", 0)
    assert (trained.state, trained.steps_done, trained.steps) == ("trained", 40, 40)

    (folder / "model.pt").unlink()  # as if killed after the checkpoint at step 20
    (folder / "train_log.csv").unlink()
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    partial = inspect_run(config, "linear", "mamba", 0)
    assert (partial.state, partial.steps_done) == ("partial", 20)
    assert 0 < partial.seconds < trained.seconds
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files  # read-only

    config["training"]["lr"] = 5.0e-4
    assert inspect_run(config, "linear", "mamba", 0).state == "stale"
    assert inspect_run(config, "linear", "mamba", 1).state == "not started"
