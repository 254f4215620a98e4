"""Least squares and ridge on sliding-window features: the natural estimators for the sliding_window task."""

from __future__ import annotations

import torch

from ..tasks.sliding_window import window_features
from ._prefix import as_float64
from .least_squares import ridge


def window_least_squares(xs, ys, window: int = 1) -> torch.Tensor:
    """(B, N, dy): minimum-norm least squares of y_i on the last ``window`` inputs (causal)."""
    return window_ridge(xs, ys, window, alpha=0.0)


def window_ridge(xs, ys, window: int = 1, alpha: float = 0.0) -> torch.Tensor:
    """(B, N, dy): ridge (penalty alpha ||w||^2) of y_i on the last ``window`` inputs; alpha = 0 is least squares."""
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    xs, ys = as_float64(xs, ys)
    return ridge(window_features(xs, window), ys, alpha=alpha)
