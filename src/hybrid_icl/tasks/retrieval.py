"""Vector retrieval (MQAR-like): recall the value stored under a queried key.

Keys and values are Gaussian vectors rescaled to norm sqrt(d). A prompt of N points shows N - 1
key/value pairs (xs[:, i] = key_i, ys[:, i] = value_i) and then, at the last position, one of those
keys chosen uniformly; the target is its value. Only the last position is scored. The configured
``n_pairs`` is the full-length prompt (N = n_pairs + 1); shorter prompts (a curriculum) show fewer pairs.
"""

from __future__ import annotations

import torch

from ._sampling import gaussian
from .base import Prompts, Task, positive_int


def _on_sphere(shape: tuple[int, ...], generator: torch.Generator, d_active: int) -> torch.Tensor:
    """Gaussian vectors over the first d_active coordinates, rescaled to norm sqrt(d_active)."""
    v = gaussian(shape, generator, d_active)
    return v * (d_active**0.5) / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)


class VectorRetrieval(Task):
    name = "retrieval"
    description = "n_pairs key/value pairs of norm-sqrt(d) Gaussian vectors, then a stored key; predict its value"
    default_baseline = "retrieval_lookup"
    scored = "last"
    PARAMS = {"n_pairs": positive_int(64)}

    @property
    def y_dim(self) -> int:
        return self.n_dims

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        d_act = self.active_dims(d_active)
        if not 2 <= n_points <= self.n_pairs + 1:
            raise ValueError(f"retrieval needs 2 <= n_points <= n_pairs + 1 = {self.n_pairs + 1}, got {n_points}")
        n_shown = n_points - 1
        keys = _on_sphere((n_prompts, n_shown, self.n_dims), generator, d_act)
        values = _on_sphere((n_prompts, n_shown, self.n_dims), generator, d_act)
        pick = torch.randint(0, n_shown, (n_prompts,), generator=generator)
        rows = torch.arange(n_prompts)
        xs = torch.cat([keys, keys[rows, pick].unsqueeze(1)], 1)
        ys = torch.cat([values, values[rows, pick].unsqueeze(1)], 1)
        return Prompts(xs, ys)

    def error_scale(self, d_active=None) -> float:
        # Squared error is averaged over the d output coordinates: E[|v|^2] / d = d_active / d.
        return self.active_dims(d_active) / self.n_dims
