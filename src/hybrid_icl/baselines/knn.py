"""k-nearest-neighbour regression (uniform weights) and exact key lookup (retrieval)."""

from __future__ import annotations

import torch

from ._prefix import as_float64, earlier_mask


def knn(xs, ys, n_neighbors: int = 3) -> torch.Tensor:
    """Mean label of the ``n_neighbors`` nearest earlier inputs (Euclidean); fewer if k is smaller.

    Ties in distance go to the earlier example (stable sort). (B, N, dy); 0 at k = 0.
    """
    if not isinstance(n_neighbors, int) or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be a positive integer, got {n_neighbors!r}")
    xs, ys = as_float64(xs, ys)
    n = xs.shape[1]
    dist = torch.cdist(xs, xs)  # (B, N, N): [k, j] = |x_k - x_j|
    dist = dist.masked_fill(~earlier_mask(n), float("inf"))
    m = min(n_neighbors, n)
    order = torch.sort(dist, dim=-1, stable=True).indices[..., :m]  # (B, N, m)
    valid = torch.gather(dist, -1, order).isfinite().to(xs.dtype)  # (B, N, m): neighbour exists
    b = torch.arange(xs.shape[0]).view(-1, 1, 1)
    picked = ys[b, order]  # (B, N, m, dy)
    total = (picked * valid.unsqueeze(-1)).sum(2)
    return total / valid.sum(-1, keepdim=True).clamp(min=1.0)


def retrieval_lookup(xs, ys) -> torch.Tensor:
    """Return the label of the nearest earlier key: exact lookup when the query is one of the keys."""
    return knn(xs, ys, n_neighbors=1)
