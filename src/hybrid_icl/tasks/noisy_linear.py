"""Noisy linear regression: y = w.x + eps, eps ~ N(0, noise_var), w ~ N(0, I)."""

from __future__ import annotations

import torch

from .base import FunctionTask, non_negative


class NoisyLinearRegression(FunctionTask):
    name = "noisy_linear"
    description = "y = w.x + N(0, noise_var), x ~ N(0, I), w ~ N(0, I)"
    default_baseline = "bayes"
    PARAMS = {"noise_var": non_negative(0.1)}

    def label(self, xs, generator, d_active):
        n_prompts, n_points, _ = xs.shape
        w = torch.randn(n_prompts, self.n_dims, 1, generator=generator)
        noise = torch.randn(n_prompts, n_points, 1, generator=generator) * self.noise_var**0.5
        return xs @ w + noise

    def error_scale(self, d_active=None) -> float:
        return float(self.active_dims(d_active)) + self.noise_var

    def baseline_params(self, baseline):
        return {"noise_var": self.noise_var, "prior_var": 1.0} if baseline == "bayes" else {}
