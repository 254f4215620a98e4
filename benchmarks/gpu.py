"""GPU training speed at paper scale, per architecture and hardware setting, and the GPU-hours of a suite.

On a CUDA machine (the default mode) it times training steps (forward + backward + optimiser step,
exactly as the training loop does them) of every model of a suite at each of its task shapes, under
each setting (``--settings``: fp32, tf32, bf16, bf16+compile; fused Adam with all but fp32), after
warm-up, with one device sync per timed block. It prints steps/s, peak memory and model-FLOPs
utilisation (MFU: the step's model FLOPs x steps/s over the GPU's dense peak for that precision),
then the suite's GPU-hours per setting from the measured speeds, and writes
``<out>/gpu_speed.csv``. Without a GPU it prints "no GPU" and exits 0.

``--estimate`` needs no GPU: it counts each run's FLOPs per step and reports the suite's GPU-hours
at an assumed utilisation (``--mfu``) of a named GPU's peak (``--gpu``, ``--precision``). That is an
estimate, not a measurement.

Model FLOPs of a step are counted by ``torch.utils.flop_counter`` on meta tensors (no compute):
matrix products, attention and convolutions of forward and backward (depthwise-convolution
backward as twice its forward: the counter ignores groups there); elementwise work (norms,
activations, the Mamba scan's recurrence apart from its matrix products) is not counted. Every step
is counted at the task's full size (the curriculum's shorter early prompts make real runs a few %
cheaper).

    python benchmarks/gpu.py --config config/paper.yaml                       # measure (CUDA)
    python benchmarks/gpu.py --config config/paper.yaml --archs gpt2 mamba --settings fp32 bf16
    python benchmarks/gpu.py --estimate --config config/paper_lite.yaml --gpu A100 --mfu 0.1
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import pandas as pd
import torch

from hybrid_icl import accel
from hybrid_icl.config import experiment_grid, load_config, resolve_run, task_params
from hybrid_icl.models import build_model
from hybrid_icl.tasks import make_task
from hybrid_icl.train import build_run, learning_rate, make_optimizer, max_points, weighted_loss

# Vendor datasheet dense peaks, TFLOP/s (no sparsity): fp32 CUDA cores, TF32 and BF16 tensor cores.
PEAK_TFLOPS = {
    "H100": {"fp32": 67.0, "tf32": 494.0, "bf16": 989.0},
    "A100": {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0},
    "A10": {"fp32": 31.2, "tf32": 62.5, "bf16": 125.0},
    "L4": {"fp32": 30.3, "tf32": 60.0, "bf16": 121.0},
    "RTX 4090": {"fp32": 82.6, "tf32": 82.6, "bf16": 165.2},
    "RTX 3090": {"fp32": 35.6, "tf32": 35.6, "bf16": 71.0},
}

# Hardware settings compared: training keys of hybrid_icl.accel, and the peak each is measured against.
SETTINGS = {
    "fp32": ({"precision": "fp32", "tf32": False, "fused_optimizer": False, "compile": False}, "fp32"),
    "tf32": ({"precision": "fp32", "tf32": True, "fused_optimizer": True, "compile": False}, "tf32"),
    "bf16": ({"precision": "bf16", "tf32": True, "fused_optimizer": True, "compile": False}, "bf16"),
    "bf16+compile": ({"precision": "bf16", "tf32": True, "fused_optimizer": True, "compile": True}, "bf16"),
}


def suite_runs(config: dict) -> list[dict]:
    """The resolved run of every (task, model, seed) of the suite."""
    return [resolve_run(config, task, model, seed) for task, model, seed in experiment_grid(config)]


def shape_key(run: dict) -> str:
    """Runs with equal keys have the same model, task and batch size: the same step cost."""
    task = {k: v for k, v in run["task"].items() if k != "curriculum"}
    return json.dumps([run["model"], task, run["training"]["batch_size"]], sort_keys=True)


@functools.lru_cache(maxsize=None)
def step_flops(key: str) -> float:
    """Model FLOPs of one training step (forward + backward) of the runs with this ``shape_key``."""
    from torch.utils.flop_counter import FlopCounterMode

    model_cfg, task_cfg, batch = json.loads(key)
    task = make_task(task_cfg["kind"], task_params(task_cfg))
    n_points = task_cfg["n_points"]
    with torch.device("meta"):
        model = build_model(model_cfg, task.x_dim, task.y_dim, max_points=max_points(task_cfg))
        xs, ys = torch.randn(batch, n_points, task.x_dim), torch.randn(batch, n_points, task.y_dim)
    with FlopCounterMode(display=False) as counter:
        model(xs, ys).pow(2).mean().backward()
    counts = {str(op): n for op, n in counter.get_flop_counts()["Global"].items()}
    conv_backward = 2 * counts.get("aten.convolution", 0)  # the counter ignores groups in the backward
    return float(sum(n for op, n in counts.items() if op != "aten.convolution_backward") + conv_backward)


def run_step_flops(run: dict) -> float:
    return step_flops(shape_key(run))


def estimate(config: dict, gpu: str, precision: str, mfu: float) -> pd.DataFrame:
    """GPU-hours per task of a suite at ``mfu`` of ``gpu``'s dense ``precision`` peak (an estimate)."""
    rate = PEAK_TFLOPS[gpu][precision] * 1e12 * mfu  # model FLOP/s assumed
    rows = []
    for run in suite_runs(config):
        flops = run_step_flops(run)
        steps = run["training"]["steps"]
        rows.append({"task": run["task_name"], "model": run["model_name"], "steps": steps,
                     "tflop_per_step": flops / 1e12, "gpu_hours": flops * steps / rate / 3600})  # fmt: skip
    return pd.DataFrame(rows)


def gpu_name_key(name: str) -> str | None:
    """The PEAK_TFLOPS entry whose name appears in the CUDA device name, e.g. 'NVIDIA A100-SXM4-80GB'."""
    for key in sorted(PEAK_TFLOPS, key=len, reverse=True):
        if key.replace(" ", "").lower() in name.replace(" ", "").lower():
            return key
    return None


def time_steps(run: dict, setting: dict, warmup: int, steps: int, device: torch.device) -> tuple[float, float]:
    """(steps/s, peak CUDA memory in MB) of training ``run`` with the hardware ``setting``."""
    settings = {**run["training"], **setting}
    accel.configure_matmul(settings, device)
    task, model, _ = build_run(run)
    model.to(device).train()
    optimizer = make_optimizer(model.parameters(), settings, **accel.optimizer_options(settings, device))
    forward = accel.forward_fn(model, settings)
    gen = torch.Generator().manual_seed(0)
    n_points, d = run["task"]["n_points"], run["task"]["n_dims"]
    batches = [task.training_batch(settings["batch_size"], n_points, gen, d_active=d).to(device) for _ in range(4)]
    losses = accel.DeviceLosses(warmup + steps, device)

    def step(i: int) -> None:
        batch = batches[i % len(batches)]
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(i, settings)
        with accel.autocast(settings, device):
            preds = forward(batch.xs, batch.ys)
        loss = weighted_loss(task, preds.float(), batch.ys, d)
        losses.add(i, loss)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for i in range(warmup):
        step(i)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    for i in range(warmup, warmup + steps):
        step(i)
    torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - started
    return steps / elapsed, torch.cuda.max_memory_allocated(device) / 2**20


def measure(config: dict, archs: list[str] | None, setting_names: list[str], warmup: int, steps: int,
            peak: dict | None, device: torch.device) -> pd.DataFrame:  # fmt: skip
    """One row per (model, task shape, setting): steps/s, peak memory, MFU."""
    rows, seen = [], set()
    for run in suite_runs(config):
        key = shape_key(run)
        if key in seen or (archs and run["model"].get("arch") not in archs):
            continue
        seen.add(key)
        flops = run_step_flops(run)
        for name in setting_names:
            setting, precision = SETTINGS[name]
            rate, memory = time_steps(run, setting, warmup, steps, device)
            mfu = flops * rate / (peak[precision] * 1e12) if peak else float("nan")
            rows.append({"shape": key, "model": run["model_name"], "task": run["task_name"], "setting": name,
                         "steps_per_s": rate, "peak_mb": memory, "tflop_per_step": flops / 1e12, "mfu": mfu})  # fmt: skip
            print(f"{run['model_name']:>28} {run['task_name']:>14} {name:>13}: {rate:7.2f} steps/s  "
                  f"{memory:8.0f} MB  MFU {mfu:6.1%}", flush=True)  # fmt: skip
            torch.compiler.reset()
            torch.cuda.empty_cache()
    return pd.DataFrame(rows)


def suite_gpu_hours(config: dict, speeds: pd.DataFrame) -> pd.Series:
    """GPU-hours of every run of the suite at the measured speed of its shape, per setting."""
    table = speeds.set_index(["shape", "setting"])["steps_per_s"]
    hours: dict[str, float] = {}
    for run in suite_runs(config):
        for setting in speeds["setting"].unique():
            rate = table.get((shape_key(run), setting))
            if rate is not None:
                hours[setting] = hours.get(setting, 0.0) + run["training"]["steps"] / rate / 3600
    return pd.Series(hours, name="gpu_hours")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", nargs="+", default=["config/paper.yaml"], help="suite config (layered files allowed)")
    parser.add_argument("--estimate", action="store_true", help="FLOP-based GPU-hours at an assumed MFU (no GPU needed)")
    parser.add_argument("--gpu", default="A100", choices=sorted(PEAK_TFLOPS), help="--estimate: the GPU assumed")
    parser.add_argument("--precision", default="bf16", choices=["fp32", "tf32", "bf16"], help="--estimate: its peak used")
    parser.add_argument("--mfu", type=float, default=0.1, help="--estimate: assumed model-FLOPs utilisation")
    parser.add_argument("--archs", nargs="*", help="measure only these architectures")
    parser.add_argument("--settings", nargs="*", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--warmup", type=int, default=10, help="steps before timing (compile happens here)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--peak-tflops", type=json.loads, help='peaks of an unlisted GPU: \'{"fp32": 30, "tf32": 60, "bf16": 120}\'')
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    args = parser.parse_args(argv)
    config = load_config(*args.config)

    if args.estimate:
        table = estimate(config, args.gpu, args.precision, args.mfu)
        by_task = table.groupby("task", sort=False).agg(runs=("model", "size"), steps=("steps", "max"),
                                                        tflop_per_step=("tflop_per_step", "mean"),
                                                        gpu_hours=("gpu_hours", "sum"))  # fmt: skip
        print(f"ESTIMATE (not measured): {args.config}, {args.gpu} {args.precision} dense peak "
              f"{PEAK_TFLOPS[args.gpu][args.precision]:g} TFLOP/s at an assumed MFU of {args.mfu:.0%}")  # fmt: skip
        print(by_task.round(3).to_string())
        print(f"total: {len(table)} runs, {table['gpu_hours'].sum():.1f} GPU-hours")
        return 0

    if not torch.cuda.is_available():
        print("no GPU: torch sees no CUDA device, nothing measured (use --estimate for a FLOP-based estimate)")
        return 0
    name = torch.cuda.get_device_name()
    peak = args.peak_tflops or PEAK_TFLOPS.get(gpu_name_key(name) or "")
    print(f"{name}: peaks {peak or 'unknown (pass --peak-tflops for MFU)'}; torch {torch.__version__}")
    speeds = measure(config, args.archs, args.settings, args.warmup, args.steps, peak, torch.device("cuda"))
    args.out.mkdir(parents=True, exist_ok=True)
    speeds.assign(gpu=name).to_csv(args.out / "gpu_speed.csv", index=False)
    if not args.archs:
        print(f"GPU-hours of {args.config} at the measured speeds:")
        print(suite_gpu_hours(config, speeds).round(1).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
