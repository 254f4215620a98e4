"""Averaging estimator of Garg et al.: w_k = mean_{j<k} y_j x_j, prediction x_k . w_k."""

from __future__ import annotations

import torch

from ._prefix import as_float64


def averaging(xs, ys) -> torch.Tensor:
    """All prefixes at once via a cumulative sum of y_j x_j^T; (B, N, dy), 0 at k = 0."""
    xs, ys = as_float64(xs, ys)
    n = xs.shape[1]
    outer = xs.unsqueeze(-1) * ys.unsqueeze(-2)  # (B, N, d, dy)
    before = outer.cumsum(1) - outer  # sum over j < k, (B, N, d, dy)
    counts = torch.arange(n, dtype=xs.dtype).clamp(min=1).view(1, n, 1, 1)
    w = before / counts
    return torch.einsum("bnd,bndo->bno", xs, w)
