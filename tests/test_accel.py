"""GPU training settings (hybrid_icl.accel) checked on CPU: bf16 autocast, torch.compile, the fused
optimizer, TF32 flags, and a loop without a host sync per step."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from hybrid_icl import accel
from hybrid_icl import train as train_mod
from hybrid_icl.config import RESOURCE_KEYS, TRAINING_DEFAULTS
from test_train import tiny_config, train, weights

pytestmark = pytest.mark.usefixtures("one_thread")


def same_weights(a, b) -> bool:
    wa, wb = weights(a / "model.pt"), weights(b / "model.pt")
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def log(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "log.csv").drop(columns="wall_time")


def test_defaults_are_fp32_uncompiled_and_gpu_only_keys_are_resources():
    assert TRAINING_DEFAULTS["precision"] == "fp32" and TRAINING_DEFAULTS["compile"] is False
    assert {"tf32", "fused_optimizer"} <= set(RESOURCE_KEYS)
    assert not {"precision", "compile"} & set(RESOURCE_KEYS)  # these change a run's numbers: part of its key


def test_log_every_changes_no_number(tmp_path):
    """Losses stay on the device between logs; when they are read back changes nothing."""
    every, sparse = tmp_path / "every", tmp_path / "sparse"
    train(every, tiny_config("mamba", steps=20, log_every=1, checkpoint_every=100), "mamba")
    train(sparse, tiny_config("mamba", steps=20, log_every=5, checkpoint_every=7), "mamba")
    assert same_weights(every, sparse)
    per_step, per_window = log(every), log(sparse)
    for row in per_window.itertuples():
        window = per_step[(per_step.step > row.step - 5) & (per_step.step <= row.step)]
        assert row.loss == sum(window.loss) / len(window)  # the same floats, summed in the same order


@pytest.mark.parametrize("log_every", [1, 7])
def test_divergence_step_does_not_depend_on_log_every(tmp_path, log_every):
    summary, _ = train(tmp_path, tiny_config("gpt2", steps=30, lr=1.0e6, log_every=log_every), "gpt2")
    reference, _ = train(tmp_path / "ref", tiny_config("gpt2", steps=30, lr=1.0e6, log_every=1), "gpt2")
    assert summary["status"] == "diverged"
    assert summary["message"] == reference["message"] and summary["steps_done"] == reference["steps_done"]


def test_no_host_sync_per_step(tmp_path, monkeypatch):
    """The training loop and the models read a tensor's value on the host (item, float, tolist,
    bool: a GPU sync) once per log, not every step. (Prompts are sampled on the CPU by design, and
    torch's non-fused Adam reads its CPU step counters; neither waits for a GPU.)"""
    package = str(Path(train_mod.__file__).parent)
    watched = [str(Path(package) / name) for name in ("train.py", "accel.py", "models")]
    reads = []
    for name in ("item", "tolist", "__float__", "__bool__"):
        real = getattr(torch.Tensor, name)

        def read(self, *args, _real=real, _name=name):
            caller = sys._getframe(1).f_code.co_filename
            if any(caller.startswith(w) for w in watched):
                reads.append(f"{_name} in {caller}")
            return _real(self, *args)

        monkeypatch.setattr(torch.Tensor, name, read)
    steps, log_every = 40, 20
    for arch in ("gpt2", "mamba"):
        reads.clear()
        train(tmp_path / arch, tiny_config(arch, steps=steps, log_every=log_every, checkpoint_every=1000), arch)
        assert len(reads) <= steps // log_every, f"{arch}: {len(reads)} host reads in {steps} steps: {reads[:5]}"


def test_bf16_autocast_trains_close_to_fp32_and_is_deterministic(tmp_path):
    config = {arch: tiny_config(arch, steps=30, log_every=10) for arch in ("gpt2", "mamba")}
    for arch in config:
        train(tmp_path / arch / "fp32", config[arch], arch)
        for run in ("bf16", "bf16_again"):
            train(tmp_path / arch / run, tiny_config(arch, steps=30, log_every=10, precision="bf16"), arch)
        assert same_weights(tmp_path / arch / "bf16", tmp_path / arch / "bf16_again")
        fp32, bf16 = log(tmp_path / arch / "fp32").loss, log(tmp_path / arch / "bf16").loss
        assert not fp32.equals(bf16)  # autocast really ran in bfloat16
        assert ((bf16 - fp32).abs() <= 0.05 * fp32.abs()).all(), f"{arch}: fp32 {list(fp32)} bf16 {list(bf16)}"
        for value in weights(tmp_path / arch / "bf16" / "model.pt").values():
            assert value.dtype == torch.float32  # weights stay float32


def test_unknown_precision_is_rejected():
    with pytest.raises(ValueError, match="training.precision"):
        accel.autocast({"precision": "fp8"}, "cpu")


def test_fused_adamw_matches_the_unfused_one():
    """fused=True is what training asks for on CUDA; torch's fused AdamW also runs on CPU."""
    torch.manual_seed(0)
    settings = {**TRAINING_DEFAULTS, "lr": 1e-2}
    results = []
    for options in ({}, {"fused": True}):
        torch.manual_seed(0)
        layer = torch.nn.Linear(8, 3)
        optimizer = train_mod.make_optimizer(layer.parameters(), settings, **options)
        for _ in range(5):
            optimizer.zero_grad()
            layer(torch.ones(4, 8)).pow(2).sum().backward()
            optimizer.step()
        results.append(layer.weight.detach().clone())
    torch.testing.assert_close(results[1], results[0], rtol=1e-5, atol=1e-6)


@pytest.fixture
def tf32_flags():
    """Restore torch's global TF32 flags after the test."""
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


def test_cuda_only_settings_are_no_ops_on_cpu(tf32_flags):
    assert accel.optimizer_options(TRAINING_DEFAULTS, "cpu") == {}
    assert accel.optimizer_options(TRAINING_DEFAULTS, "cuda") == {"fused": True}
    assert accel.optimizer_options({**TRAINING_DEFAULTS, "fused_optimizer": False}, "cuda") == {}
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    accel.configure_matmul(TRAINING_DEFAULTS, "cpu")
    assert torch.backends.cuda.matmul.allow_tf32 is False
    accel.configure_matmul(TRAINING_DEFAULTS, "cuda")
    assert torch.backends.cuda.matmul.allow_tf32 is True and torch.backends.cudnn.allow_tf32 is True
    accel.configure_matmul({**TRAINING_DEFAULTS, "tf32": False}, "cuda")
    assert torch.backends.cuda.matmul.allow_tf32 is False


def test_compile_wraps_the_forward_and_shares_the_weights(tmp_path, monkeypatch):
    compiled = []

    def spy(model):
        compiled.append(model)
        return model

    monkeypatch.setattr(torch, "compile", spy)
    train(tmp_path / "compiled", tiny_config("gpt2", steps=6, compile=True), "gpt2")
    train(tmp_path / "eager", tiny_config("gpt2", steps=6), "gpt2")
    assert len(compiled) == 1 and same_weights(tmp_path / "compiled", tmp_path / "eager")


@pytest.mark.skipif(
    os.environ.get("HYBRID_ICL_TEST_COMPILE") != "1",
    reason="torch.compile (inductor) of a tiny model takes ~2 min on 2 CPU cores; HYBRID_ICL_TEST_COMPILE=1 runs it",
)
def test_compiled_training_matches_eager(tmp_path):
    train(tmp_path / "eager", tiny_config("gpt2", steps=12), "gpt2")
    train(tmp_path / "compiled", tiny_config("gpt2", steps=12, compile=True), "gpt2")
    pd.testing.assert_series_equal(log(tmp_path / "compiled").loss, log(tmp_path / "eager").loss, rtol=1e-4)
