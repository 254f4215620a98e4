"""Training-loss curves of run folders (finished or partial) as tables, e.g. for pilots.

A run folder holds ``train_log.csv`` once trained, else its newest resume checkpoint carries the rows
logged so far.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .checkpoint import load_latest
from .suite import run_file


def logged_losses(folder: Path) -> pd.DataFrame:
    """Columns step, loss (mean over each logging window) of one run folder; empty if nothing is logged."""
    log_path = folder / run_file("train_log")
    if log_path.is_file():
        return pd.read_csv(log_path)[["step", "loss"]]
    saved = load_latest(folder / run_file("resume"), tidy=False)
    rows = saved["train_state"].rows if saved is not None else []
    return pd.DataFrame(rows, columns=["step", "loss"]) if rows else pd.DataFrame(columns=["step", "loss"])


def first_step_below(losses: pd.DataFrame, level: float, patience: int = 3) -> int | None:
    """First logged step from which the loss stays below ``level`` for ``patience`` logged rows."""
    below = (losses["loss"] < level).to_numpy()
    for i in range(len(below) - patience + 1):
        if below[i : i + patience].all():
            return int(losses["step"].iloc[i])
    return None


def loss_table(folders: dict[str, Path], at_steps: list[int], floor: float | None = None,
               margin: float = 0.01) -> pd.DataFrame:
    """One row per labelled run: the logged loss at each of ``at_steps`` (the row at or just before
    it), the last step logged, and (given a ``floor``) the first step the loss stays below
    ``floor - margin``."""
    records = []
    for label, folder in folders.items():
        losses = logged_losses(folder)
        record: dict[str, object] = {"run": label}
        for step in at_steps:
            upto = losses[losses["step"] <= step]
            reached = len(upto) and int(upto["step"].iloc[-1]) == step
            record[f"loss@{step}"] = round(float(upto["loss"].iloc[-1]), 4) if reached else None
        record["last step"] = int(losses["step"].iloc[-1]) if len(losses) else 0
        if floor is not None:
            record["below floor from"] = first_step_below(losses, floor - margin) if len(losses) else None
        records.append(record)
    return pd.DataFrame(records)
