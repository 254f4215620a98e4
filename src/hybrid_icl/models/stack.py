"""One residual layer built from a recipe, and the module factories it uses."""

from __future__ import annotations

import torch
from torch import nn

from .attention import CausalSelfAttention
from .feedforward import GeluMLP, SwiGLU, ffn_hidden
from .mamba import MambaMixer
from .norms import make_norm
from .recipe import LayerRecipe
from .reference import has_bias
from .settings import ModelSizes


def make_mamba(s: ModelSizes, bias: bool) -> MambaMixer:
    return MambaMixer(s.d_model, s.d_state, s.d_conv, s.expand, s.dt_rank, bias=bias, scan=s.scan)


def make_mixer(r: LayerRecipe, s: ModelSizes) -> nn.Module | None:
    bias = has_bias(r, "mixer", s.biases) if r.mixer != "none" else False
    if r.mixer == "attention":
        return CausalSelfAttention(s.d_model, s.n_head, r.positions, bias, s.dropout)
    if r.mixer == "mamba":
        return make_mamba(s, bias)
    return None


def make_ffn(r: LayerRecipe, s: ModelSizes) -> nn.Module | None:
    if r.ffn == "none":
        return None
    hidden = ffn_hidden(r.ffn, s.d_model, s.mlp_ratio, s.swiglu_hidden)
    bias = has_bias(r, "ffn", s.biases)
    if r.ffn == "gelu":
        return GeluMLP(s.d_model, hidden, bias)
    if r.ffn == "swiglu":
        return SwiGLU(s.d_model, hidden, bias)
    return make_mamba(s, bias)


class ResidualLayer(nn.Module):
    """Pre-norm layer with one residual per sub-layer:
    h = h + drop(mixer(norm1(h)));  h = h + drop(ffn(norm2(h)))   (absent sub-layers skipped).

    With ``mamba_residual: doubled`` a Mamba sub-layer adds its input twice, h = h + (h + mamba(norm(h))),
    as the reference code's hybrids do (a transformers MambaBlock, which has its own residual, inside
    the backbone's residual)."""

    def __init__(self, recipe: LayerRecipe, sizes: ModelSizes):
        super().__init__()
        self.recipe = recipe
        self.mixer = make_mixer(recipe, sizes)
        self.norm1 = make_norm(recipe.norm, sizes.d_model) if self.mixer is not None else None
        self.ffn = make_ffn(recipe, sizes)
        self.norm2 = make_norm(recipe.norm, sizes.d_model) if self.ffn is not None else None
        self.drop = nn.Dropout(sizes.dropout)
        doubled = sizes.mamba_residual == "doubled"
        self.double_mixer = doubled and recipe.mixer == "mamba"
        self.double_ffn = doubled and recipe.ffn == "mamba"

    def n_sublayers(self) -> int:
        return (self.mixer is not None) + (self.ffn is not None)

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # (B, L, d) -> (B, L, d)
        if self.mixer is not None:
            update = self.drop(self.mixer(self.norm1(h)))  # (B, L, d)
            h = h + (h + update if self.double_mixer else update)
        if self.ffn is not None:
            update = self.drop(self.ffn(self.norm2(h)))  # (B, L, d)
            h = h + (h + update if self.double_ffn else update)
        return h
