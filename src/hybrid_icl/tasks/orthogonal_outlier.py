"""Orthogonal-outlier regression (after Park et al. 2024; our reconstruction, see docs/tasks.md).

Linear regression y = w.x, except that each context example (never the final query) is, with
probability ``outlier_prob``, an outlier: its input is projected onto the orthogonal complement of
w (so it carries no information about w) and its label comes from a second, unrelated vector u:
y = u.x. A learner must discount those examples. Only the last position is scored.
"""

from __future__ import annotations

import torch

from ._sampling import context_mask, gaussian
from .base import Prompts, Task, probability


class OrthogonalOutlierRegression(Task):
    name = "orthogonal_outlier"
    description = "linear regression; context examples are, w.p. outlier_prob, x projected orthogonal to w with y = u.x"
    default_baseline = "least_squares"
    scored = "last"
    PARAMS = {"outlier_prob": probability(0.5)}

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        w = gaussian((n_prompts, self.n_dims), generator, d_act)
        u = gaussian((n_prompts, self.n_dims), generator, d_act)
        outlier = context_mask(n_prompts, n_points, self.outlier_prob, generator).unsqueeze(-1)  # (B, N, 1)
        w_hat = (w / w.norm(dim=-1, keepdim=True).clamp(min=1e-12)).unsqueeze(1)  # (B, 1, d)
        projected = xs - (xs * w_hat).sum(-1, keepdim=True) * w_hat
        xs = torch.where(outlier, projected, xs)
        ys = torch.where(outlier, xs @ u.unsqueeze(-1), xs @ w.unsqueeze(-1))
        return Prompts(xs, ys)

    def error_scale(self, d_active=None) -> float:
        return float(self.active_dims(d_active))  # the query is clean: E[(w.x)^2] = d_active
