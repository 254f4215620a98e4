"""Sparse linear regression: w has ``sparsity`` non-zero N(0, 1) coordinates at random positions."""

from __future__ import annotations

import torch

from ._sampling import gaussian, subset_mask
from .base import Prompts, Task, positive_int


class SparseLinearRegression(Task):
    name = "sparse_linear"
    description = "y = w.x, x ~ N(0, I), w with `sparsity` non-zero N(0, 1) coordinates (Garg et al. 2022)"
    default_baseline = "lasso"
    PARAMS = {"sparsity": positive_int(3)}

    @classmethod
    def relation_errors(cls, n_dims, values):
        if values["sparsity"] > n_dims:
            return [f"parameter 'sparsity' = {values['sparsity']} exceeds n_dims = {n_dims}"]
        return []

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        w = torch.randn(n_prompts, self.n_dims, generator=generator)
        w = w * subset_mask(n_prompts, self.n_dims, self.sparsity, d_act, generator)
        return Prompts(xs, xs @ w.unsqueeze(-1))

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = number of non-zero coordinates (capped by the active dims under a curriculum).
        return float(min(self.sparsity, self.active_dims(d_active)))
