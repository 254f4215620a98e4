"""Position-wise feed-forward blocks: GELU MLP (GPT-2) and SwiGLU (LLaMA)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GeluMLP(nn.Module):
    """Linear(d, h) -> GELU (tanh approximation, as GPT-2) -> Linear(h, d)."""

    def __init__(self, d_model: int, hidden: int, bias: bool = True):
        super().__init__()
        self.fc = nn.Linear(d_model, hidden, bias=bias)
        self.proj = nn.Linear(hidden, d_model, bias=bias)
        self.proj.is_residual_out = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, L, d) -> (B, L, d)
        return self.proj(F.gelu(self.fc(x), approximate="tanh"))


class SwiGLU(nn.Module):
    """down(SiLU(gate(x)) * up(x)).

    gate and up are separate Linear(d, h): a fused Linear(d, 2h) saves one matmul call forward but
    its split costs a (B, L, 2h) concatenation backward, which at these widths is the dearer of the two.
    """

    def __init__(self, d_model: int, hidden: int, bias: bool = False):
        super().__init__()
        self.gate = nn.Linear(d_model, hidden, bias=bias)
        self.up = nn.Linear(d_model, hidden, bias=bias)
        self.down = nn.Linear(hidden, d_model, bias=bias)
        self.down.is_residual_out = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, L, d) -> (B, L, d)
        return self.down(F.silu(self.gate(x)) * self.up(x))


def ffn_hidden(kind: str, d_model: int, mlp_ratio: float, swiglu_hidden: str) -> int:
    """Hidden width: GELU uses mlp_ratio*d; SwiGLU uses the same ('4x') or 2/3 of it ('matched').

    'matched' gives SwiGLU's three matrices (3*d*h') the parameters of the MLP's two (2*d*h).
    """
    hidden = int(round(mlp_ratio * d_model))
    if kind == "swiglu" and swiglu_hidden == "matched":
        return max(1, int(round(2 * hidden / 3)))
    return hidden
