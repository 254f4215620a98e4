"""`python -m hybrid_icl status`: run states from the run folders, measured times, remaining estimate.

Its agreement with Snakemake on trained and stale runs is tested end to end in test_workflow.py.
"""

from __future__ import annotations

import pandas as pd
import yaml
import pytest

from conftest import ROOT
from hybrid_icl.config import load_config
from hybrid_icl.status import (
    STATES,
    RunStatus,
    check_selection,
    example_steps,
    inspect_run,
    parts_report,
    remaining_seconds,
    report,
    runs_outside_grid,
    selected,
)
from hybrid_icl.suite import Suite
from hybrid_icl.train import train_run


def test_example_steps_sum_the_curriculum_exactly():
    task = {"n_dims": 3, "n_points": 8, "curriculum": {"points": {"start": 5, "end": 8, "inc": 3, "interval": 20}}}
    assert example_steps(task, 40) == 5 * 20 + 8 * 20
    assert example_steps(task, 50) == 5 * 20 + 8 * 30
    assert example_steps(task, 10) == 5 * 10
    assert example_steps(task, 0) == 0
    assert example_steps({"n_dims": 3, "n_points": 8}, 40) == 8 * 40


def test_remaining_time_scales_measured_speed_by_the_work_left():
    """Model a: 10 s for 1000 example-steps = 0.01 s each (every measured run of a agrees)."""
    runs = [
        RunStatus("t", "a", 0, "trained", 100, 100, 10.0, 1000.0, 1000.0),
        RunStatus("u", "a", 0, "not started", 0, 200, None, 0.0, 4000.0),  # 0.01 * 4000 = 40 s
        RunStatus("t", "a", 1, "partial", 50, 100, 3.0, 300.0, 1000.0),  # the rest: 0.01 * 700 = 7 s
        RunStatus("t", "a", 2, "stale", 100, 100, 10.0, 1000.0, 1000.0),  # retrains in full: 10 s
        RunStatus("t", "b", 0, "not started", 0, 100, None, 0.0, 1000.0),  # no measured run of b
    ]
    left, unknown = remaining_seconds(runs)
    assert left == pytest.approx(40.0 + 7.0 + 10.0)
    assert [(r.model, r.seed) for r in unknown] == [("b", 0)]
    text = report(runs, "suite.yaml")
    assert "trained      1 of 5 runs" in text and "1 run not estimated: no run of b measured yet" in text


def test_a_selection_keeps_the_suites_measured_speeds_and_unknown_names_are_errors():
    runs = [
        RunStatus("t", "a", 0, "trained", 100, 100, 10.0, 1000.0, 1000.0),  # 0.01 s per example-step
        RunStatus("u", "a", 0, "not started", 0, 100, None, 0.0, 2000.0),
        RunStatus("u", "b", 0, "not started", 0, 100, None, 0.0, 2000.0),
    ]
    only_u = selected(runs, ["u"], None)
    assert [(r.task, r.model) for r in only_u] == [("u", "a"), ("u", "b")]
    assert remaining_seconds(only_u)[0] == 0.0  # no measured run in the selection itself
    left, unknown = remaining_seconds(only_u, measured=runs)
    assert left == pytest.approx(20.0) and [r.model for r in unknown] == ["b"]
    assert selected(runs, None, ["b"]) == [runs[2]]
    grid = [(r.task, r.model, r.seed) for r in runs]
    check_selection(grid, ["u"], ["a", "b"])
    with pytest.raises(ValueError, match=r"task v is not in .*\(it has: t, u\); model c is not in"):
        check_selection(grid, ["u", "v"], ["c"])


def test_a_parts_line_counts_every_run_corrupt_ones_too():
    runs = [RunStatus("t", "a", seed, state, 0, 100, None, 0.0, 1000.0) for seed, state in enumerate(STATES)]
    header, *lines = parts_report({"p.yaml": runs[:3]}, runs, runs).splitlines()
    assert header.split()[:2] == ["part", "runs"] and "  ".join(STATES) in header
    for line, (name, expected) in zip(lines, (("p.yaml", runs[:3]), ("(whole suite)", runs)), strict=True):
        total, *counts = map(int, line.removeprefix(name).split()[:1 + len(STATES)])
        assert total == len(expected) == sum(counts)
        assert counts == [sum(r.state == state for r in expected) for state in STATES]


def test_killed_run_is_partial_at_its_checkpoint_and_a_changed_setting_makes_it_stale(tmp_path, one_thread):
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path)
    suite = Suite(config)
    job = suite.training_job("linear", "mamba", 0)
    folder = job.model_path.parent
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)
    trained = inspect_run(suite, "linear", "mamba", 0)
    assert (trained.state, trained.steps_done, trained.steps) == ("trained", 40, 40)
    log = pd.read_csv(folder / "train_log.csv")
    assert trained.loss == pytest.approx(log["loss"].iloc[-1], rel=1e-12)

    (folder / "model.pt").unlink()  # as if killed after the checkpoint at step 20
    (folder / "train_log.csv").unlink()
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    partial = inspect_run(suite, "linear", "mamba", 0)
    assert (partial.state, partial.steps_done) == ("partial", 20)
    assert 0 < partial.seconds < trained.seconds
    assert partial.loss == pytest.approx(log.set_index("step").loc[20, "loss"], rel=1e-12)  # its log at step 20
    table = report([trained, partial], "smoke.yaml")
    assert f"40/40  {trained.loss:>8.4g}" in table and f"20/40  {partial.loss:>8.4g}" in table
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files  # read-only

    config["training"]["lr"] = 5.0e-4
    assert inspect_run(Suite(config), "linear", "mamba", 0).state == "stale"
    assert inspect_run(Suite(config), "linear", "mamba", 1).state == "not started"


def test_a_slice_estimates_from_runs_another_slice_trained(tmp_path, one_thread):
    """A slice's grid leaves out the runs of other parts; the ones on disk still give speeds."""
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path)
    job = Suite(config).training_job("linear", "mamba", 0)
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)
    (tmp_path / config["suite"] / "runs" / "linear" / "no_such_model" / "s0").mkdir(parents=True)  # not in the config
    sliced = Suite({**config, "experiments": [{"tasks": ["linear"], "models": ["mamba"], "seeds": [1]}]})
    assert sliced.layout.found("run")[:1] == [{"task": "linear", "model": "mamba", "seed": "0"}]
    outside = runs_outside_grid(sliced)
    assert [(r.task, r.model, r.seed, r.state) for r in outside] == [("linear", "mamba", 0, "trained")]
    runs = [inspect_run(sliced, *run) for run in sliced.runs]
    assert remaining_seconds(runs)[1] == runs  # the slice alone has no measured run
    left, unknown = remaining_seconds(runs, measured=runs + outside)
    assert unknown == [] and left == pytest.approx(outside[0].seconds * runs[0].work / outside[0].work_done)


def test_parts_line_up_each_part_and_the_whole_suite(tmp_path, one_thread, capsys):
    """`status --parts` finds slices/<suite>_*.yaml beside the suite's file; each part's line counts
    its own runs, the estimate uses runs any part trained; a suite without parts is a usage error."""
    from hybrid_icl.cli import main

    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path / "results")
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(yaml.safe_dump(config))
    (tmp_path / "slices").mkdir()
    for model in ("mamba", "gpt2"):
        (tmp_path / "slices" / f"smoke_{model}.yaml").write_text(
            f"experiments:\n  - tasks: [linear]\n    models: [{model}]\n")
    job = Suite(config).training_job("linear", "mamba", 0)
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)

    assert main(["status", "--configfile", str(suite_file), "--parts"]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["smoke_mamba.yaml"][:6] == ["2", "1", "0", "0", "0", "1"] and lines["smoke_mamba.yaml"][6].startswith("~")
    assert lines["smoke_gpt2.yaml"][:6] == ["2", "0", "0", "0", "0", "2"] and "unmeasured" in " ".join(lines["smoke_gpt2.yaml"])
    assert lines["(whole"][1:7] == ["6", "1", "0", "0", "0", "5"]

    assert main(["status", "--configfile", str(ROOT / "config" / "smoke.yaml"), "--parts"]) == 2
    assert "suite smoke has no parts: no file" in capsys.readouterr().err
    assert main(["status", "--configfile", str(suite_file), "--parts", "--model", "gpt2"]) == 2
    assert "drop --task, --model and --json" in capsys.readouterr().err


def test_each_part_is_judged_by_its_own_settings_and_folder(tmp_path, one_thread, capsys):
    """A run trained under the suite's settings is stale for a part that changes training.steps and
    not started for a part that writes elsewhere, though the whole suite counts it trained."""
    from hybrid_icl.cli import main

    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path / "results")
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(yaml.safe_dump(config))
    one_run = "experiments:\n  - tasks: [linear]\n    models: [mamba]\n    seeds: [0]\n"
    parts = {"same": "", "longer": "training: {steps: 60}\n", "elsewhere": f"output_dir: {tmp_path / 'other'}\n"}
    for name, extra in parts.items():
        (tmp_path / f"{name}.yaml").write_text(one_run + extra)
    job = Suite(config).training_job("linear", "mamba", 0)
    train_run(job.run, job.model_path, job.log_path, job.resume_dir, progress=lambda _: None)

    assert main(["status", "--configfile", str(suite_file), "--parts", *(str(tmp_path / f"{n}.yaml") for n in parts)]) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:]}
    counts = {name: lines[f"{name}.yaml"][:1 + len(STATES)] for name in parts}
    assert counts == {"same": ["1", "1", "0", "0", "0", "0"], "longer": ["1", "0", "0", "1", "0", "0"],
                      "elsewhere": ["1", "0", "0", "0", "0", "1"]}
    assert lines["(whole"][1:3] == ["6", "1"]
