"""Least squares that ignores a known outlier pair: the Bayes-optimal learner of the many-outlier task.

In ``many_outlier`` prompts every outlier is the same pair (x, y) = (all-ones over the active
dimensions, outlier_y; 1 by default, as Park et al.'s code); it carries no information about w, so the posterior mean of y_query given the prompt
is minimum-norm least squares on the clean examples alone. Zeroing an outlier's row removes it from
every prefix's least-squares problem (a zero row adds nothing to the residual and does not change
the minimum-norm solution) while keeping all prompts the same shape, so all prefixes stay batched.
"""

from __future__ import annotations

import torch

from ._prefix import as_float64
from .least_squares import least_squares

# The many_outlier task's default pair: x = 1 on every active coordinate, y = 1 (tasks/many_outlier.py).
OUTLIER_INPUT = 1.0
OUTLIER_LABEL = 1.0


def outlier_pair_mask(xs: torch.Tensor, ys: torch.Tensor, outlier_x: float, outlier_y: float) -> torch.Tensor:
    """(B, N) bool: True where (x, y) is the outlier pair.

    x matches when each coordinate is ``outlier_x`` or exactly 0 (a dimension the curriculum switched
    off) and at least one is ``outlier_x``; y matches when every output equals ``outlier_y``.
    """
    x_match = ((xs == outlier_x) | (xs == 0)).all(-1) & (xs == outlier_x).any(-1)
    return x_match & (ys == outlier_y).all(-1)


def outlier_filtered_least_squares(
    xs, ys, outlier_x: float = OUTLIER_INPUT, outlier_y: float = OUTLIER_LABEL
) -> torch.Tensor:
    """(B, N, dy): minimum-norm least squares on the prefix's examples other than the outlier pair.

    A query that is itself the outlier input is predicted ``outlier_y`` (its known label), after at
    least one example (at k = 0 every baseline predicts 0).
    """
    xs, ys = as_float64(xs, ys)
    outlier = outlier_pair_mask(xs, ys, float(outlier_x), float(outlier_y))  # (B, N)
    keep = (~outlier).unsqueeze(-1).to(xs.dtype)
    preds = least_squares(xs * keep, ys * keep)
    known = outlier.clone()
    known[:, 0] = False  # no context, no prediction: 0 as every baseline
    return torch.where(known.unsqueeze(-1), torch.full_like(preds, float(outlier_y)), preds)
