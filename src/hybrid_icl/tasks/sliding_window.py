"""Sliding-window regression: each label depends on the last ``window`` inputs of the sequence.

y_i = sum_{j=0}^{window-1} w_j . x_{i-j} (x_{i-j} = 0 before the start), w_j ~ N(0, I / window), so
E[y_i^2] = d once i >= window - 1. With ``label_noise_frac`` > 0, each label is independently
replaced, with that probability, by N(0, d) noise (the randomised-label variant: same marginal
variance, no information). Replaced labels are also the targets at their positions.

The reference baseline is ridge on the window features with ``ridge_alpha`` = noise / prior
variance: a replaced label misses the clean one by N(0, d) - w.phi, of variance d + d = 2d, so the
labels carry noise of variance ~ 2 d label_noise_frac around w.phi, and each weight has prior variance
1 / window. (The replacement noise is a mixture, not Gaussian, so this ridge is the Gaussian
approximation of the Bayes predictor; unlike least squares it has no error spike where the number
of examples equals the number of features.)
"""

from __future__ import annotations

import torch

from ._sampling import gaussian
from .base import Prompts, Task, positive_int, probability


def window_features(xs: torch.Tensor, window: int) -> torch.Tensor:
    """(B, N, d) -> (B, N, window * d): [x_i, x_{i-1}, ..., x_{i-window+1}], zeros before the start."""
    n = xs.shape[1]
    lagged = [xs] + [torch.nn.functional.pad(xs, (0, 0, lag, 0))[:, :n] for lag in range(1, window)]
    return torch.cat(lagged, -1)


class SlidingWindowRegression(Task):
    name = "sliding_window"
    description = "y_i = sum_j w_j . x_{i-j} over the last `window` inputs; a label_noise_frac of labels randomised"
    default_baseline = "window_ridge"
    PARAMS = {"window": positive_int(3), "label_noise_frac": probability(0.0)}

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        w = torch.randn(n_prompts, self.window * self.n_dims, 1, generator=generator) / self.window**0.5
        ys = window_features(xs, self.window) @ w
        noisy = torch.rand(n_prompts, n_points, 1, generator=generator) < self.label_noise_frac
        noise = torch.randn(n_prompts, n_points, 1, generator=generator) * d_act**0.5
        return Prompts(xs, torch.where(noisy, noise, ys))

    def error_scale(self, d_active=None) -> float:
        return float(self.active_dims(d_active))

    @property
    def ridge_alpha(self) -> float:
        """Noise-to-prior variance ratio of the labels: 2 d label_noise_frac / (1 / window)."""
        return 2.0 * self.n_dims * self.label_noise_frac * self.window

    def baseline_params(self, baseline):
        if baseline == "window_ridge":
            return {"window": self.window, "alpha": self.ridge_alpha}
        return {"window": self.window} if baseline == "window_least_squares" else {}
