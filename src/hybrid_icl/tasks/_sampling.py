"""Random draws shared by several function classes (all from the caller's torch.Generator)."""

from __future__ import annotations

import torch

from .base import mask_inactive_dims


def gaussian(shape: tuple[int, ...], generator: torch.Generator, d_active: int | None = None) -> torch.Tensor:
    """N(0, 1) entries of ``shape`` (last axis = coordinates), zero beyond d_active."""
    return mask_inactive_dims(torch.randn(shape, generator=generator), d_active)


def subset_mask(n_prompts: int, d: int, size: int, d_active: int, generator: torch.Generator) -> torch.Tensor:
    """(B, d) bool: ``min(size, d_active)`` distinct coordinates per prompt, uniform among the first d_active."""
    scores = torch.rand(n_prompts, d_active, generator=generator)
    picked = scores.argsort(dim=-1)[:, : min(size, d_active)]
    mask = torch.zeros(n_prompts, d, dtype=torch.bool)
    mask.scatter_(1, picked, True)
    return mask


def context_mask(n_prompts: int, n_points: int, prob: float, generator: torch.Generator) -> torch.Tensor:
    """(B, N) bool: each context position (not the last, the query) is True with probability ``prob``."""
    mask = torch.rand(n_prompts, n_points, generator=generator) < prob
    mask[:, -1] = False
    return mask
