"""Which algorithm does a model run? Distances between its predictions and each baseline's.

On the first prompts of a task's fixed evaluation set, the distance between two predictors at k
in-context examples is the task's pointwise error of one predictor's predictions measured against
the other's instead of the targets (squared distance / the task's error scale, or the fraction of
disagreeing signs for a sign-scored task), averaged over prompts and seeds. It is in the units of
the error curves: the distance of a predictor to the targets is its error; to itself it is 0.

Predictions are stored per run and per (task, seed) of baselines as small float32 ``.npz`` files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .artifacts import REBUILD, check_readable, unusable
from .atomic import atomic_path
from .tasks import Task

DISTANCE_COLUMNS = ["task", "model", "baseline", "k", "distance", "n_seeds"]
TARGETS = "targets"  # the key of the prompts' targets in a baseline predictions file


def save_predictions(path: str | Path, predictions: dict[str, torch.Tensor | np.ndarray]) -> None:
    """Named predictions (P, N, dy) as a compressed float32 .npz, written atomically."""
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in predictions.items()}
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load_predictions(path: str | Path) -> dict[str, np.ndarray]:
    """Named predictions of ``save_predictions``; ArtifactError naming the file when it is missing or
    damaged (each array's CRC-32 in the .npz is checked as it is read)."""
    check_readable(path, REBUILD)
    try:
        with np.load(path) as blob:
            return {name: blob[name] for name in blob.files}
    except Exception as err:  # noqa: BLE001 - zipfile and numpy raise several types for damaged files
        raise unusable(path, err, REBUILD) from None


def scored_ks(task: Task, n_points: int) -> np.ndarray:
    """Context lengths a task is scored at: every position, or only the last."""
    return np.arange(n_points) if task.scored == "all" else np.array([n_points - 1])


def prediction_distance(task: Task, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance per prompt and position between two predictors' outputs a, b (P, N, dy) -> (P, N)."""
    return task.pointwise_error(torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)).numpy()


def distance_table(
    task_name: str,
    task: Task,
    models: dict[tuple[str, int], np.ndarray],
    baselines: dict[int, dict[str, np.ndarray]],
) -> pd.DataFrame:
    """Mean distance of every model to every baseline per k, over prompts and the model's seeds.

    models: (model, seed) -> predictions (P, N, dy); baselines: seed -> {label: predictions (P, N, dy)}
    on the same prompts (a seed's prompts are shared by its models and baselines).
    """
    rows = []
    names = list(dict.fromkeys(model for model, _ in models))
    for model in names:
        seeds = sorted(seed for m, seed in models if m == model)
        labels = [label for label in baselines[seeds[0]] if label != TARGETS]
        for label in labels:
            per_seed = np.stack([prediction_distance(task, models[model, s], baselines[s][label]) for s in seeds])
            ks = scored_ks(task, per_seed.shape[-1])
            mean = per_seed[..., ks].mean(axis=(0, 1))  # (S, P, N) -> (K,)
            rows.append(pd.DataFrame({"task": task_name, "model": model, "baseline": label, "k": ks,
                                      "distance": mean, "n_seeds": len(seeds)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=DISTANCE_COLUMNS)


def closest_baselines(distances: pd.DataFrame) -> pd.DataFrame:
    """Per (model, k) the baseline whose predictions are nearest, with its distance."""
    if distances.empty:
        return pd.DataFrame(columns=["task", "model", "k", "baseline", "distance"])
    best = distances.loc[distances.groupby(["model", "k"], sort=False)["distance"].idxmin()]
    return best[["task", "model", "k", "baseline", "distance"]].reset_index(drop=True)


def closest_markdown(closest: pd.DataFrame, max_columns: int = 8) -> str:
    """Models x (up to max_columns evenly spaced) k: the closest baseline and its distance."""
    if closest.empty:
        return "_no predictions_\n"
    ks = np.sort(closest["k"].unique())
    shown = ks[np.unique(np.linspace(0, len(ks) - 1, min(max_columns, len(ks))).round().astype(int))]
    cells = closest[closest["k"].isin(shown)].assign(
        cell=lambda f: f["baseline"] + " (" + f["distance"].map("{:.3f}".format) + ")"
    )
    table = cells.pivot(index="model", columns="k", values="cell")
    table = table.reindex(index=list(dict.fromkeys(closest["model"])), columns=shown)
    table.columns = [f"k = {k}" for k in shown]
    note = ("\n\nClosest baseline per model and number of in-context examples k, with the mean distance between "
            "their predictions (normalised like the error; 0 = identical predictions).\n")
    return table.to_markdown() + note
