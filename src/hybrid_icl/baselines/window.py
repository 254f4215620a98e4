"""Least squares on sliding-window features: the natural estimator for the sliding_window task."""

from __future__ import annotations

import torch

from ..tasks.sliding_window import window_features
from ._prefix import as_float64
from .least_squares import least_squares


def window_least_squares(xs, ys, window: int = 1) -> torch.Tensor:
    """(B, N, dy): minimum-norm least squares of y_i on the last ``window`` inputs (causal)."""
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    xs, ys = as_float64(xs, ys)
    return least_squares(window_features(xs, window), ys)
