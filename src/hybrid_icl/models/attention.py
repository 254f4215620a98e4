"""Causal multi-head self-attention with absolute (none here), rotary or no positions."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Rotary(nn.Module):
    """Rotary position embedding (RoPE), rotate-half convention as in LLaMA / transformers.

    rotate_half(x) = cat(-x2, x1) is computed as roll(x, hd/2) times a sign folded into sin, which
    avoids the chunk + cat pair (and the cat in its backward) on every attention call.
    """

    def __init__(self, head_dim: int, base: float = 10000.0):
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"RoPE needs an even head dimension, got {head_dim}")
        inv_freq = 1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def cos_sin(self, length: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """cos and signed sin, (L, head_dim) each: the sin's first half negated for rotate_half."""
        t = torch.arange(length, device=device, dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq.to(device))  # (L, hd/2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (L, hd)
        signed_sin = torch.cat((-freqs.sin(), freqs.sin()), dim=-1)
        return emb.cos().to(dtype), signed_sin.to(dtype)

    @staticmethod
    def apply(x: torch.Tensor, cos: torch.Tensor, signed_sin: torch.Tensor) -> torch.Tensor:
        """x (B, H, L, hd) rotated by position: x cos + rotate_half(x) sin, with cos, signed_sin
        from ``cos_sin``."""
        return x * cos + torch.roll(x, x.shape[-1] // 2, dims=-1) * signed_sin


class CausalSelfAttention(nn.Module):
    """Fused QKV projection, scaled_dot_product_attention(is_causal=True), output projection."""

    def __init__(self, d_model: int, n_head: int, positions: str = "none", bias: bool = True, dropout: float = 0.0):
        super().__init__()
        if d_model % n_head:
            raise ValueError(f"d_model={d_model} is not divisible by n_head={n_head}")
        self.n_head, self.head_dim, self.dropout = n_head, d_model // n_head, dropout
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=bias)
        self.out = nn.Linear(d_model, d_model, bias=bias)
        self.out.is_residual_out = True
        self.rotary = Rotary(self.head_dim) if positions == "rope" else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, L, d) -> (B, L, d)."""
        b, length, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)  # 3 x (B, L, d)
        q, k, v = (t.view(b, length, self.n_head, self.head_dim).transpose(1, 2) for t in (q, k, v))  # (B, H, L, hd)
        if self.rotary is not None:
            cos, sin = self.rotary.cos_sin(length, x.device, x.dtype)
            q, k = Rotary.apply(q, cos, sin), Rotary.apply(k, cos, sin)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)  # (B, H, L, hd)
        return self.out(y.transpose(1, 2).reshape(b, length, d))
