"""Linear regression in context: x ~ N(0, I_d), w ~ N(0, I_d), y = w.x."""

from __future__ import annotations

import torch

from .base import Prompts, Task, mask_inactive_dims


class LinearRegression(Task):
    name = "linear"
    metric = "mse"
    default_baseline = "least_squares"

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d = self.n_dims
        xs = torch.randn(n_prompts, n_points, d, generator=generator)
        xs = mask_inactive_dims(xs, d_active)
        w = torch.randn(n_prompts, d, 1, generator=generator)
        ys = xs @ w  # (B, N, 1)
        return Prompts(xs, ys)

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = E[||x_active||^2] = d_active.
        return float(d_active or self.n_dims)
