"""Pointwise error metrics of predictions against targets, by name.

A task scores with one primary metric (``Task.metric``: the error inside the ICL regression score,
its curves and figures) and may declare secondary metrics (``Task.secondary_metrics``), which are
computed beside it and tabulated on their own, never mixed into the primary score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


def squared_error(preds: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """(B, N, dy) predictions and targets -> (B, N) squared error, mean over dy."""
    return (preds - ys).pow(2).mean(-1)


def sign_error(preds: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """(B, N, dy) -> (B, N) |sign(pred) - sign(y)| / 2, mean over dy: 0 when the signs agree, 1 when
    they differ, 1/2 for a prediction of exactly 0 (a coin flip's expected error). One minus Park et
    al.'s sign accuracy."""
    return (torch.sign(preds) - torch.sign(ys)).abs().mul(0.5).mean(-1)


@dataclass(frozen=True)
class Metric:
    """A named pointwise error: its function, whether the task's ``error_scale`` divides it, and the
    label that names it in tables and figures."""

    name: str
    function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    normalised: bool
    label: str


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("mse", squared_error, True, "squared error (normalised)"),
        Metric("sign_error", sign_error, False, "sign error (1 - Park et al.'s sign accuracy)"),
    )
}


def metric_label(name: str) -> str:
    """The caption label of a metric (its name if unknown)."""
    return METRICS[name].label if name in METRICS else name
