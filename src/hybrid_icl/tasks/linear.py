"""Linear regression in context: x ~ N(0, I_d), w ~ N(0, I_d), y = w.x."""

from __future__ import annotations

import torch

from .base import FunctionTask


class LinearRegression(FunctionTask):
    name = "linear"
    description = "y = w.x with x ~ N(0, I), w ~ N(0, I) per prompt (Garg et al. 2022)"
    metric = "mse"
    default_baseline = "least_squares"

    def label(self, xs, generator, d_active):
        w = torch.randn(xs.shape[0], self.n_dims, 1, generator=generator)
        return xs @ w  # inactive coordinates of x are 0, so w's there are irrelevant

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = E[||x_active||^2] = d_active.
        return float(self.active_dims(d_active))
