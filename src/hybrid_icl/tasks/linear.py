"""Linear regression in context: x ~ N(0, I_d), w ~ N(0, I_d), y = w.x."""

from __future__ import annotations

import torch

from ._sampling import gaussian
from .base import Prompts, Task


class LinearRegression(Task):
    name = "linear"
    description = "y = w.x with x ~ N(0, I), w ~ N(0, I) per prompt (Garg et al. 2022)"
    metric = "mse"
    default_baseline = "least_squares"

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        w = torch.randn(n_prompts, self.n_dims, 1, generator=generator)
        return Prompts(xs, xs @ w)  # inactive coordinates of x are 0, so w's are irrelevant

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = E[||x_active||^2] = d_active.
        return float(self.active_dims(d_active))
