"""Sparse parity: x uniform in {-1, +1}^d, y = product of ``k`` coordinates fixed per prompt."""

from __future__ import annotations

import torch

from ._sampling import subset_mask
from .base import Prompts, Task, at_most_n_dims, mask_inactive_dims, positive_int


class SparseParity(Task):
    name = "sparse_parity"
    description = "x uniform in {-1, +1}^d, y = prod_{i in S} x_i with |S| = k random coordinates"
    metric = "accuracy"
    default_baseline = "parity_elimination"
    PARAMS = {"k": positive_int(2)}

    relation_errors = at_most_n_dims("k")

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        bits = torch.randint(0, 2, (n_prompts, n_points, self.n_dims), generator=generator)
        xs = mask_inactive_dims(bits.float() * 2 - 1, d_act)
        subset = subset_mask(n_prompts, self.n_dims, self.k, d_act, generator)  # (B, d)
        ys = torch.where(subset.unsqueeze(1), xs, torch.ones_like(xs)).prod(-1, keepdim=True)
        return Prompts(xs, ys)

    def baseline_params(self, baseline):
        return {"subset_size": self.k} if baseline == "parity_elimination" else {}
