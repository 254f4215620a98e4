"""One residual layer built from a recipe, and the module factories it uses."""

from __future__ import annotations

import torch
from torch import nn

from .attention import CausalSelfAttention
from .feedforward import GeluMLP, SwiGLU, ffn_hidden
from .mamba import MambaMixer
from .norms import make_norm
from .recipe import LayerRecipe
from .settings import ModelSizes


def make_mamba(s: ModelSizes, bias: bool) -> MambaMixer:
    return MambaMixer(s.d_model, s.d_state, s.d_conv, s.expand, s.dt_rank, bias=bias, scan=s.scan)


def make_mixer(r: LayerRecipe, s: ModelSizes) -> nn.Module | None:
    if r.mixer == "attention":
        return CausalSelfAttention(s.d_model, s.n_head, r.positions, r.bias, s.dropout)
    if r.mixer == "mamba":
        return make_mamba(s, r.bias)
    return None


def make_ffn(r: LayerRecipe, s: ModelSizes) -> nn.Module | None:
    hidden = ffn_hidden(r.ffn, s.d_model, s.mlp_ratio, s.swiglu_hidden)
    if r.ffn == "gelu":
        return GeluMLP(s.d_model, hidden, r.bias)
    if r.ffn == "swiglu":
        return SwiGLU(s.d_model, hidden, r.bias)
    if r.ffn == "mamba":
        return make_mamba(s, r.bias)
    return None


class ResidualLayer(nn.Module):
    """Pre-norm layer with exactly one residual per sub-layer:
    h = h + drop(mixer(norm1(h)));  h = h + drop(ffn(norm2(h)))   (absent sub-layers skipped)."""

    def __init__(self, recipe: LayerRecipe, sizes: ModelSizes):
        super().__init__()
        self.recipe = recipe
        self.mixer = make_mixer(recipe, sizes)
        self.norm1 = make_norm(recipe.norm, sizes.d_model) if self.mixer is not None else None
        self.ffn = make_ffn(recipe, sizes)
        self.norm2 = make_norm(recipe.norm, sizes.d_model) if self.ffn is not None else None
        self.drop = nn.Dropout(sizes.dropout)

    def n_sublayers(self) -> int:
        return (self.mixer is not None) + (self.ffn is not None)

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # (B, L, d) -> (B, L, d)
        if self.mixer is not None:
            h = h + self.drop(self.mixer(self.norm1(h)))
        if self.ffn is not None:
            h = h + self.drop(self.ffn(self.norm2(h)))
        return h
