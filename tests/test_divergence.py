"""Divergence: one model's run blows up, the suite still finishes and marks it; gradient clipping works."""

from __future__ import annotations

import math
import re

import pandas as pd
import torch
import yaml

from conftest import ROOT, copy_workflow, snakemake
from hybrid_icl import train as train_mod
from hybrid_icl.config import resolve_run, result_affecting

SUITE = "diverge"


def diverging_suite() -> dict:
    """gpt2 trains normally; mamba gets lr 1e6 and its loss becomes NaN within a few steps."""
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config["suite"], config["seeds"] = SUITE, [0]
    config["models"] = {m: config["models"][m] for m in ("gpt2", "mamba")}
    config["models"]["mamba"]["training"] = {"lr": 1.0e6}
    config["training"]["steps"] = 20
    config["evaluation"] = {"n_prompts": 32, "bootstrap": 50}
    return config


def test_a_diverged_run_is_marked_and_the_suite_completes(tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    (wf / "config" / "diverge.yaml").write_text(yaml.safe_dump(diverging_suite()))
    args = ["--cores", "2", "--configfile", "config/diverge.yaml"]
    snakemake(wf, *args)  # no --keep-going needed: a divergence is a result, not a failed job
    out = wf / "results" / SUITE

    scores = pd.read_csv(out / "tables" / "icl_scores.csv").set_index("model")
    assert scores.loc["gpt2", "status"] == "completed" and pd.notna(scores.loc["gpt2", "score"])
    assert scores.loc["mamba", "status"] == "diverged in 1/1 seeds" and pd.isna(scores.loc["mamba", "score"])
    assert "— † (1 of 1 seeds diverged)" in (out / "tables" / "icl_scores.md").read_text()
    for figure in ("scores", "errors_linear", "loss_linear"):
        for ext in ("pdf", "png"):
            assert (out / "figures" / f"{figure}.{ext}").stat().st_size > 1000, figure

    job_log = (out / "logs" / "train" / "linear" / "mamba" / "s0.log").read_text()
    match = re.search(r"ERROR: run linear/mamba/s0 diverged at step (\d+): loss is (nan|inf|-inf); "
                      r"last finite loss (\S+)", job_log)
    assert match, job_log
    step = int(match.group(1))
    assert 0 < step < 20 and float(match.group(3)) > 0  # a finite loss was seen before the blow-up
    summary = train_mod.load_model_file(out / "runs" / "linear" / "mamba" / "s0" / "model.pt")["summary"]
    assert summary["status"] == "diverged" and summary["steps_done"] == step
    log = pd.read_csv(out / "runs" / "linear" / "mamba" / "s0" / "train_log.csv")
    assert log["loss"].map(math.isfinite).all()  # the blow-up is never logged (status shows the newest loss)

    # --keep-going changes nothing: rerunning the diverged run alone succeeds and diverges the same way.
    snakemake(wf, "--keep-going", "--force", f"results/{SUITE}/runs/linear/mamba/s0/model.pt", *args)
    again = (out / "logs" / "train" / "linear" / "mamba" / "s0.log").read_text()
    assert match.group(0) in again


# --- gradient clipping (training.grad_clip) ----------------------------------------------------------


def clipped_run(grad_clip: float | None) -> dict:
    config = diverging_suite()
    config["training"].update(steps=10, batch_size=8, log_every=5, checkpoint_every=100, grad_clip=grad_clip)
    run = result_affecting(resolve_run(config, "linear", "gpt2", 0))
    run["training"].update(threads=1, device="cpu")
    return run


def trained_weights(tmp_path, grad_clip: float | None) -> dict[str, torch.Tensor]:
    folder = tmp_path / f"clip_{grad_clip}"
    train_mod.train_run(clipped_run(grad_clip), folder / "model.pt", folder / "log.csv", folder / "resume", lambda _: None)
    return train_mod.load_model_file(folder / "model.pt")["state_dict"]


def distance(a: dict, b: dict) -> float:
    return sum(float((a[k].float() - b[k].float()).norm() ** 2) for k in a) ** 0.5


def test_gradient_clipping_is_applied(tmp_path):
    _, model, _ = train_mod.build_run(clipped_run(None))
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    free = trained_weights(tmp_path, None)
    tiny = trained_weights(tmp_path, 1e-12)  # far below Adam's eps: the updates all but vanish
    loose = trained_weights(tmp_path, 1e6)  # never reached: clipping must leave the gradients alone
    assert distance(tiny, initial) < 1e-3 * distance(free, initial)
    assert all(torch.equal(free[k], loose[k]) for k in free)
