"""Two-layer ReLU networks: y = s * sum_j a_j relu(W_j . x), W_j ~ N(0, I), a_j ~ N(0, 1).

``scale: garg`` uses s = sqrt(2 / hidden) (Garg et al.), so E[y^2] = E||x||^2 = d;
``scale: none`` uses s = 1 (the reference code of the hybrid paper), E[y^2] = hidden * d / 2.
"""

from __future__ import annotations

import torch

from .base import FunctionTask, choice, positive_int


class ReluNetRegression(FunctionTask):
    name = "relu_net"
    description = "y = s * a . relu(W x), 2-layer ReLU net with N(0, 1) weights, `hidden` units"
    default_baseline = "gd_net"
    PARAMS = {"hidden": positive_int(100), "scale": choice("garg", ("garg", "none"))}

    @property
    def output_scale(self) -> float:
        return (2.0 / self.hidden) ** 0.5 if self.scale == "garg" else 1.0

    def label(self, xs, generator, d_active):
        w1 = torch.randn(xs.shape[0], self.n_dims, self.hidden, generator=generator)
        a = torch.randn(xs.shape[0], self.hidden, 1, generator=generator)
        return torch.relu(xs @ w1) @ a * self.output_scale

    def error_scale(self, d_active=None) -> float:
        # E[y^2] = s^2 * hidden * E[relu(N(0, |x|^2))^2] = s^2 * hidden * d_active / 2 (exact).
        return self.output_scale**2 * self.hidden * self.active_dims(d_active) / 2.0
