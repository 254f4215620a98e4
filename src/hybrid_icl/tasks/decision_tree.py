"""Random decision trees: depth ``depth``, node splits x_c > 0 with c uniform, leaves N(0, 1)."""

from __future__ import annotations

import torch

from .base import FunctionTask, Param


class DecisionTreeRegression(FunctionTask):
    name = "decision_tree"
    description = "a depth-`depth` binary tree per prompt; internal nodes test x_c > 0 (c uniform), leaves N(0, 1)"
    default_baseline = "xgboost"
    PARAMS = {"depth": Param(4, lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 16, "an integer in [1, 16]")}

    def label(self, xs, generator, d_active):
        n_prompts, n_points, _ = xs.shape
        n_internal = 2**self.depth - 1
        coords = torch.randint(0, d_active, (n_prompts, n_internal), generator=generator)
        leaves = torch.randn(n_prompts, n_internal + 1, generator=generator)
        node = torch.zeros(n_prompts, n_points, dtype=torch.long)  # heap index: children of i are 2i+1, 2i+2
        for _ in range(self.depth):
            c = torch.gather(coords, 1, node)  # (B, N) coordinate tested at each point's node
            right = torch.gather(xs, 2, c.unsqueeze(-1)).squeeze(-1) > 0
            node = 2 * node + 1 + right.long()
        return torch.gather(leaves, 1, node - n_internal).unsqueeze(-1)

    def error_scale(self, d_active=None) -> float:
        return 1.0  # leaves are N(0, 1)
