"""Training: it learns, it resumes exactly, it records divergence, it is deterministic."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from hybrid_icl import train as train_mod
from hybrid_icl.config import resolve_run, result_affecting


def tiny_config(arch: str = "gpt2", steps: int = 30, **training) -> dict:
    return {
        "suite": "t",
        "seeds": [0],
        "tasks": {
            "linear": {
                "kind": "linear",
                "n_dims": 3,
                "n_points": 7,
                "curriculum": {
                    "dims": {"start": 2, "end": 3, "inc": 1, "interval": 10},
                    "points": {"start": 4, "end": 7, "inc": 3, "interval": 10},
                },
            }
        },
        "models": {arch: {"arch": arch, "d_model": 16, "n_layer": 2, "n_head": 2}},
        "training": {"steps": steps, "batch_size": 8, "log_every": 5, "checkpoint_every": 7, **training},
    }


def run_of(config: dict, arch: str) -> dict:
    return result_affecting(resolve_run(config, "linear", arch, 0)) | {}


def train(tmp, config, arch, **kwargs):
    run = run_of(config, arch)
    run["training"].update(threads=1, device="cpu")
    lines = []
    summary = train_mod.train_run(run, tmp / "model.pt", tmp / "log.csv", tmp / "resume", progress=lines.append, **kwargs)
    return summary, lines


def weights(path):
    return train_mod.load_model_file(path)["state_dict"]


@pytest.mark.parametrize("arch", ["gpt2", "llama", "mamba"])
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(tmp_path, arch, monkeypatch):
    config = tiny_config(arch)
    straight = tmp_path / "straight"
    train(straight, config, arch)

    interrupted = tmp_path / "interrupted"
    real_save = train_mod.save_checkpoint
    calls = {"n": 0}

    def save_then_die(*args, **kwargs):
        path = real_save(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated kill after the second checkpoint")
        return path

    monkeypatch.setattr(train_mod, "save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(interrupted, config, arch)
    monkeypatch.setattr(train_mod, "save_checkpoint", real_save)
    _, lines = train(interrupted, config, arch)
    assert any("resuming from checkpoint at step 14" in line for line in lines)

    a, b = weights(straight / "model.pt"), weights(interrupted / "model.pt")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    log_a = pd.read_csv(straight / "log.csv").drop(columns="wall_time")
    log_b = pd.read_csv(interrupted / "log.csv").drop(columns="wall_time")
    pd.testing.assert_frame_equal(log_a, log_b, check_exact=True)


def test_same_seed_same_weights_and_log(tmp_path):
    config = tiny_config("gpt2", steps=12)
    train(tmp_path / "a", config, "gpt2")
    train(tmp_path / "b", config, "gpt2")
    for key, value in weights(tmp_path / "a" / "model.pt").items():
        assert torch.equal(value, weights(tmp_path / "b" / "model.pt")[key])


def test_log_and_model_record_the_run(tmp_path):
    config = tiny_config("gpt2", steps=20)
    summary, lines = train(tmp_path, config, "gpt2")
    log = pd.read_csv(tmp_path / "log.csv")
    assert list(log["step"]) == [5, 10, 15, 20]
    assert list(log["d_active"]) == [2, 2, 3, 3] and list(log["n_points"]) == [4, 4, 7, 7]
    assert any("steps/s" in line and "ETA" in line for line in lines)
    payload = train_mod.load_model_file(tmp_path / "model.pt")
    assert payload["run"]["model"]["arch"] == "gpt2"
    assert payload["summary"]["status"] == "completed" and summary["steps_done"] == 20


def test_divergence_is_recorded_not_crashed(tmp_path):
    config = tiny_config("gpt2", steps=30, lr=1.0e6)
    summary, lines = train(tmp_path, config, "gpt2")
    assert summary["status"] == "diverged"
    assert "diverged at step" in summary["message"] and "last finite loss" in summary["message"]
    assert summary["steps_done"] < 30
    payload, model, _ = train_mod.load_trained(tmp_path / "model.pt")
    assert model is None and payload["summary"]["status"] == "diverged"


def test_training_reduces_loss(tmp_path):
    """A tiny Mamba learns 2-d linear regression in context well below the zero predictor's loss of 1."""
    config = tiny_config("mamba", steps=400, lr=3e-3, batch_size=32, log_every=20)
    config["tasks"]["linear"].pop("curriculum")
    config["tasks"]["linear"]["n_dims"] = 2
    train(tmp_path, config, "mamba")
    log = pd.read_csv(tmp_path / "log.csv")
    assert log["loss"].iloc[:2].mean() > 0.85
    assert log["loss"].iloc[-4:].mean() < 0.75
    assert all(math.isfinite(v) for v in log["loss"])
