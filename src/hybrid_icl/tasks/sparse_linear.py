"""Sparse linear regression: w has ``sparsity`` non-zero N(0, 1) coordinates at random positions."""

from __future__ import annotations

import torch

from ._sampling import subset_mask
from .base import FunctionTask, at_most_n_dims, positive_int


class SparseLinearRegression(FunctionTask):
    name = "sparse_linear"
    description = "y = w.x, x ~ N(0, I), w with `sparsity` non-zero N(0, 1) coordinates (Garg et al. 2022)"
    default_baseline = "lasso"
    PARAMS = {"sparsity": positive_int(3)}

    relation_errors = at_most_n_dims("sparsity")

    def label(self, xs, generator, d_active):
        w = torch.randn(xs.shape[0], self.n_dims, generator=generator)
        w = w * subset_mask(xs.shape[0], self.n_dims, self.sparsity, d_active, generator)
        return xs @ w.unsqueeze(-1)

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = number of non-zero coordinates (capped by the active dims under a curriculum).
        return float(min(self.sparsity, self.active_dims(d_active)))
