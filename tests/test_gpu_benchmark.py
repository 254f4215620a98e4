"""benchmarks/gpu.py: its FLOP count against the closed form, its estimate, and its CPU exit."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from hybrid_icl.config import load_config
from hybrid_icl.models import build_model

spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks" / "gpu.py")
gpu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu)

BATCH, POINTS, DIMS, WIDTH, LAYERS = 8, 9, 4, 32, 2


def counted_and_closed_form(arch: str) -> tuple[float, float, float]:
    """(counted FLOPs of a step, 6 x matmul weights x tokens, attention's QK^T and AV FLOPs)."""
    model_cfg = {"arch": arch, "d_model": WIDTH, "n_layer": LAYERS, "n_head": 2}
    task = {"kind": "linear", "n_dims": DIMS, "n_points": POINTS}
    counted = gpu.step_flops(json.dumps([model_cfg, task, BATCH], sort_keys=True))
    model = build_model(model_cfg, DIMS, 1, max_points=POINTS)
    matmul_weights = sum(p.numel() for n, p in model.named_parameters() if p.dim() == 2 and "position" not in n)
    tokens = 2 * POINTS  # x1, y1, x2, y2, ...
    dense = 6 * matmul_weights * BATCH * tokens  # forward 2, backward 4 per weight and token
    attention = LAYERS * 3 * 2 * 2 * BATCH * tokens**2 * WIDTH  # (fwd + bwd) x (QK^T, AV) x multiply-add
    return counted, dense, attention


def test_gpt2_step_flops_match_the_closed_form():
    counted, dense, attention = counted_and_closed_form("gpt2")
    # read-in needs no input gradient and read-out sees only the x positions: the closed form is an upper bound
    assert 0.97 * (dense + attention) <= counted <= dense + attention


def test_mamba_step_flops_count_the_depthwise_conv_once():
    counted, dense, _ = counted_and_closed_form("mamba")
    assert dense * 0.97 <= counted <= 1.15 * dense  # the counter's groups-blind conv backward would be far above


def test_estimate_is_flops_times_steps_at_the_assumed_rate():
    config = load_config(ROOT / "config" / "smoke.yaml")
    table = gpu.estimate(config, "A100", "bf16", 0.1)
    assert len(table) == len(gpu.suite_runs(config))
    expected = table["tflop_per_step"] * 1e12 * table["steps"] / (312e12 * 0.1) / 3600
    assert table["gpu_hours"].tolist() == pytest.approx(expected.tolist())


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the script would measure")
def test_without_a_gpu_it_says_so_and_exits_0():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("no GPU"), proc.stdout + proc.stderr
