"""Batched all-prefix baselines vs a straightforward per-prompt, per-prefix NumPy loop.

    python benchmarks/baselines_speed.py [--quick] [--threads 1] [--out results/benchmarks/baselines_speed.csv]

Both sides get the same prompts (linear regression, x ~ N(0, I)); the table reports wall time,
speed-up and the largest absolute difference between the two sets of predictions.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from hybrid_icl.baselines import predict_baseline
from hybrid_icl.tasks import make_task

RIDGE_ALPHA = 0.5
KNN_NEIGHBOURS = 3


def _lstsq(x, y, q):
    return q @ np.linalg.lstsq(x, y, rcond=None)[0]


def _ridge(x, y, q):
    return q @ np.linalg.solve(x.T @ x + RIDGE_ALPHA * np.eye(x.shape[1]), x.T @ y)


def _knn(x, y, q):
    return y[np.argsort(np.linalg.norm(x - q, axis=1), kind="stable")[:KNN_NEIGHBOURS]].mean(0)


def _averaging(x, y, q):
    return q @ (x.T @ y) / len(x)


CASES: dict[str, tuple[dict, Callable]] = {
    "least_squares": ({}, _lstsq),
    "ridge": ({"alpha": RIDGE_ALPHA}, _ridge),
    "knn": ({"n_neighbors": KNN_NEIGHBOURS}, _knn),
    "averaging": ({}, _averaging),
}


def loop_reference(fit_predict: Callable, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The naive way: one fit per prompt and per prefix length."""
    preds = np.zeros(ys.shape)
    for b in range(xs.shape[0]):
        for k in range(1, xs.shape[1]):
            preds[b, k] = fit_predict(xs[b, :k], ys[b, :k], xs[b, k])
    return preds


def timed(fn: Callable, repeats: int):
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 prompts instead of 1,280")
    parser.add_argument("--prompts", type=int, default=None)
    parser.add_argument("--dims", type=int, default=20)
    parser.add_argument("--points", type=int, default=101)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (NumPy's loop is single-threaded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks/baselines_speed.csv"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n_prompts = args.prompts or (128 if args.quick else 1280)
    task = make_task("linear", {"n_dims": args.dims})
    prompts = task.sample(n_prompts, args.points, torch.Generator().manual_seed(args.seed))
    xs64, ys64 = prompts.xs.double().numpy(), prompts.ys.double().numpy()

    rows = []
    for name, (params, fit_predict) in CASES.items():
        t_batch, batched = timed(lambda: predict_baseline(name, prompts.xs, prompts.ys, **params), repeats=3)
        t_loop, looped = timed(lambda: loop_reference(fit_predict, xs64, ys64), repeats=1)
        rows.append({
            "baseline": name, "prompts": n_prompts, "dims": args.dims, "points": args.points,
            "threads": args.threads, "batched_s": round(t_batch, 4), "loop_s": round(t_loop, 3),
            "speedup": round(t_loop / t_batch, 1), "max_abs_diff": float(np.abs(batched.numpy() - looped).max()),
        })
        print(f"{name:>14}: batched {t_batch:8.3f} s  loop {t_loop:8.2f} s  x{t_loop / t_batch:7.1f}", flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
