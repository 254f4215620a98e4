"""Normalisation layers: LayerNorm (GPT-2) and RMSNorm (LLaMA, Mamba)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-5


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * weight, over the last dimension. No bias, no centring."""

    def __init__(self, d_model: int, eps: float = EPS):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., d) -> (..., d)
        return F.rms_norm(x, (x.shape[-1],), self.weight, self.eps)


def make_norm(kind: str, d_model: int) -> nn.Module:
    """'layer' -> LayerNorm (weight and bias), 'rms' -> RMSNorm, 'none' -> identity."""
    if kind == "layer":
        return nn.LayerNorm(d_model, eps=EPS)
    if kind == "rms":
        return RMSNorm(d_model)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}")
