"""Errors versus the number of in-context examples, on fixed evaluation prompts.

Error tables are tidy (one row per prompt and position): columns ``prompt``, ``k`` (number of
in-context examples before the query), ``error`` (task metric, lower is better), plus labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .artifacts import load_torch, save_table, save_torch
from .baselines import predict_baseline
from .config import stable_seed, task_params
from .tasks import Prompts, Task, make_task


def eval_prompts(task_name: str, task_cfg: dict, seed: int, n_prompts: int) -> Prompts:
    """The fixed evaluation prompts of (task, seed): full dimension, full (or eval) length."""
    task = make_task(task_cfg["kind"], task_params(task_cfg))
    n_points = (task_cfg.get("eval") or {}).get("n_points", task_cfg["n_points"])
    gen = torch.Generator().manual_seed(stable_seed("eval", task_name, seed))
    return task.sample(n_prompts, n_points, gen)


def save_prompts(prompts: Prompts, path: Path, meta: dict) -> None:
    save_torch({"xs": prompts.xs, "ys": prompts.ys, "meta": meta}, path)


def load_prompts(path: Path) -> Prompts:
    """An evaluation prompt set, checksum verified (ArtifactError naming the file and the fix)."""
    blob = load_torch(path)
    return Prompts(blob["xs"], blob["ys"])


@torch.no_grad()
def model_predictions(model: torch.nn.Module, prompts: Prompts, batch_size: int = 256) -> torch.Tensor:
    """A trained model's float32 predictions on the prompts, (P, N, dy), on the CPU."""
    device = next(model.parameters()).device
    chunks = []
    for start in range(0, prompts.xs.shape[0], batch_size):
        xs = prompts.xs[start : start + batch_size].to(device)
        ys = prompts.ys[start : start + batch_size].to(device)
        chunks.append(model(xs, ys).float().cpu())
    return torch.cat(chunks)


def model_errors(model: torch.nn.Module, task: Task, prompts: Prompts, batch_size: int = 256) -> np.ndarray:
    """Pointwise errors of a trained model by the task's primary metric, (P, N)."""
    return task.pointwise_error(model_predictions(model, prompts, batch_size), prompts.ys.float()).numpy()


def model_errors_by_metric(
    model: torch.nn.Module, task: Task, prompts: Prompts, batch_size: int = 256
) -> dict[str, np.ndarray]:
    """Pointwise errors (P, N) of a trained model by every metric of the task ("error" = primary)."""
    return as_arrays(task.errors_by_metric(model_predictions(model, prompts, batch_size), prompts.ys.float()))


def baseline_predictions(task: Task, prompts: Prompts, name: str, params: dict | None = None) -> torch.Tensor:
    """A classical baseline's predictions on the prompts, (P, N, dy), in the prompts' dtype.

    The task supplies what the baseline must know about it (noise variance, window, parity size);
    config ``params`` override those.
    """
    preds = predict_baseline(name, prompts.xs, prompts.ys, **{**task.baseline_params(name), **(params or {})})
    return torch.as_tensor(preds, dtype=prompts.ys.dtype)


def baseline_errors(task: Task, prompts: Prompts, name: str, params: dict | None = None) -> np.ndarray:
    """Pointwise errors of a classical baseline on the same prompts by the task's primary metric, (P, N)."""
    return task.pointwise_error(baseline_predictions(task, prompts, name, params), prompts.ys).numpy()


def baseline_errors_by_metric(
    task: Task, prompts: Prompts, name: str, params: dict | None = None
) -> dict[str, np.ndarray]:
    """Pointwise errors (P, N) of a classical baseline by every metric of the task ("error" = primary)."""
    return as_arrays(task.errors_by_metric(baseline_predictions(task, prompts, name, params), prompts.ys))


def as_arrays(errors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {name: values.numpy() for name, values in errors.items()}


def tidy_errors(errors: np.ndarray | dict[str, np.ndarray], scored: str = "all", **labels) -> pd.DataFrame:
    """(P, N) errors -> long table with columns prompt, k, error and the given labels.

    ``errors`` may also map column names to (P, N) arrays ("error" = the primary metric, plus one
    column per secondary metric). For tasks scored only at the last position, only that position is kept.
    """
    columns = errors if isinstance(errors, dict) else {"error": errors}
    n_prompts, n_points = columns["error"].shape
    ks = np.arange(n_points) if scored == "all" else np.array([n_points - 1])
    frame = pd.DataFrame({"prompt": np.repeat(np.arange(n_prompts), len(ks)), "k": np.tile(ks, n_prompts)})
    for name, values in columns.items():
        frame[name] = values[:, ks].reshape(-1).astype(np.float64)
    for key, value in labels.items():
        frame.insert(0, key, value)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically as parquet (with page checksums) or CSV, by the file's extension."""
    save_table(frame, path)


def ood_prompts(name: str, entry: dict, tasks: dict, seed: int, n_prompts: int) -> tuple[Prompts, str]:
    """Fixed prompts of one OOD evaluation and which positions it scores ("all" or "last").

    entry: {train: task, eval_task: task} (another task's prompts) or {train: task, shift: ..., params: {...}}.
    """
    from .shifts import scored_positions, shifted_prompts

    if "shift" not in entry:
        eval_name = entry["eval_task"]
        prompts = eval_prompts(eval_name, tasks[eval_name], seed, n_prompts)
        return prompts, make_task(tasks[eval_name]["kind"], task_params(tasks[eval_name])).scored
    cfg = tasks[entry["train"]]
    task = make_task(cfg["kind"], task_params(cfg))
    gen = torch.Generator().manual_seed(stable_seed("ood", name, seed))
    prompts = shifted_prompts(task, entry["shift"], entry.get("params") or {}, n_prompts, cfg["n_points"], gen)
    return prompts, scored_positions(entry["shift"], task)


@torch.no_grad()
def snapshot_errors(payload: dict, task: Task, prompts: Prompts, batch_size: int = 256) -> pd.DataFrame:
    """Mean error over the scored positions per prompt, for every kept training snapshot.

    Returns a tidy table with columns step, prompt, error (the final weights count as the last step).
    """
    from .train import run_model

    model = run_model(payload["run"], task).eval()
    weights = dict(payload.get("snapshots") or {})
    weights[payload["summary"]["steps_done"]] = payload["state_dict"]
    mask = task.loss_mask(prompts.ys.shape[1]).numpy().astype(bool)
    frames = []
    for step in sorted(weights):
        model.load_state_dict(weights[step])
        errors = model_errors(model, task, prompts, batch_size)[:, mask].mean(axis=1)
        frames.append(pd.DataFrame({"step": step, "prompt": np.arange(len(errors)), "error": errors}))
    return pd.concat(frames, ignore_index=True)
