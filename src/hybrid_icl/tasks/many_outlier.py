"""Many-outlier regression (after Park et al. 2024's filter_linear_regression, see docs/tasks.md).

Linear regression y = w.x, except that each context example (never the final query) is replaced,
with probability ``outlier_prob`` (default 0.9), by the fixed outlier pair (x, y) = (1, outlier_y):
the all-ones vector (over the active coordinates) labelled ``outlier_y`` (default 1, as Park et
al.'s code). Only the last position is scored.
"""

from __future__ import annotations

import torch

from ._sampling import context_mask, gaussian
from .base import Prompts, Task, mask_inactive_dims, probability, real


class ManyOutlierRegression(Task):
    name = "many_outlier"
    description = "linear regression; context examples replaced w.p. outlier_prob by (x, y) = (all-ones, outlier_y)"
    default_baseline = "outlier_filtered_least_squares"  # Bayes-optimal; plain least squares fits the outliers
    scored = "last"
    PARAMS = {"outlier_prob": probability(0.9), "outlier_y": real(1.0)}

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        w = torch.randn(n_prompts, self.n_dims, 1, generator=generator)
        outlier = context_mask(n_prompts, n_points, self.outlier_prob, generator).unsqueeze(-1)  # (B, N, 1)
        ones = mask_inactive_dims(torch.ones(1, 1, self.n_dims), d_act)
        xs = torch.where(outlier, ones, xs)
        ys = torch.where(outlier, torch.tensor(float(self.outlier_y)), xs @ w)
        return Prompts(xs, ys)

    def baseline_params(self, baseline):
        return {"outlier_y": float(self.outlier_y)} if baseline == "outlier_filtered_least_squares" else {}

    def error_scale(self, d_active=None) -> float:
        return float(self.active_dims(d_active))  # the query is clean
