"""Shared helpers of the all-prefix baselines.

Every baseline maps prompts ``xs`` (B, N, d) and ``ys`` (B, N, dy) to predictions (B, N, dy) where
``preds[:, k]`` may use only the k context pairs ``(xs[:, :k], ys[:, :k])`` and the query ``xs[:, k]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def as_float64(xs, ys) -> tuple[torch.Tensor, torch.Tensor]:
    """Both arrays as float64 CPU tensors; a 2-D ``ys`` (B, N) gets a trailing output axis."""
    xs = torch.as_tensor(xs).detach().to("cpu", torch.float64)
    ys = torch.as_tensor(ys).detach().to("cpu", torch.float64)
    if ys.dim() == 2:
        ys = ys.unsqueeze(-1)
    if xs.dim() != 3 or ys.dim() != 3 or xs.shape[:2] != ys.shape[:2]:
        raise ValueError(f"expected xs (B, N, d) and ys (B, N, dy), got {tuple(xs.shape)} and {tuple(ys.shape)}")
    return xs, ys


def earlier_mask(n_points: int) -> torch.Tensor:
    """(N, N) bool, True at [k, j] when j < k: the context positions visible from query k."""
    return torch.ones(n_points, n_points, dtype=torch.bool).tril(-1)


def per_prefix(
    fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    xs: torch.Tensor,
    ys: torch.Tensor,
    min_context: int = 1,
) -> torch.Tensor:
    """Run a per-prompt, per-prefix estimator (for library models that cannot batch).

    fit_predict(x_ctx (k, d), y_ctx (k, dy), x_query (1, d)) -> (1, dy) or (dy,).
    Positions with fewer than ``min_context`` examples predict 0 (the prior mean).
    """
    xs, ys = as_float64(xs, ys)
    x_np, y_np = xs.numpy(), ys.numpy()
    preds = np.zeros(y_np.shape)
    for b in range(x_np.shape[0]):
        for k in range(min_context, x_np.shape[1]):
            preds[b, k] = np.asarray(fit_predict(x_np[b, :k], y_np[b, :k], x_np[b, k : k + 1])).reshape(-1)
    return torch.from_numpy(preds)
