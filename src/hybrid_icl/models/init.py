"""Initialisation schemes of an ICLModel: ours (``init: gpt2``) and the reference code's (``init: reference``).

``gpt2`` (default, every architecture): N(0, 0.02) linear and embedding weights, zero biases,
residual output projections scaled by 1/sqrt(number of residual sub-layers); Mamba's dt projection
keeps its own initialisation (``MambaMixer._init_dt``).

``reference``: what the reference code gives the architecture (``reference.builder``):

- ``gpt2_model`` (transformers GPT2Model): as ``gpt2``;
- ``llama_model`` (LlamaModel): N(0, 0.02) linear weights, zero biases, no residual scaling;
- ``mamba_model`` (MambaModel 4.39): PyTorch's default linear and convolution weights, zero linear
  biases, Mamba's dt initialisation;
- ``mixer_model`` (mamba-ssm MixerModel, Park et al.): as ``mamba_model``, with every Mamba output
  projection divided by sqrt(number of blocks after the leading one); a learned position table N(0, 1);
- ``hybrid_backbone`` (the paper's hybrids): each block keeps its library constructor's
  initialisation: GPT-2 attention and MLP N(0, 0.02) with zero biases (transformers' Conv1D); LLaMA
  attention, SwiGLU and Mamba blocks, dt projection included, PyTorch's defaults; a learned position
  table N(0, 1) (a bare nn.Embedding).

In every reference scheme the read-in and read-out keep PyTorch's default init (the reference
creates them outside the model class).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .mamba import MambaMixer
from .reference import GPT2, HYBRID, builder, origin

INIT_STD = 0.02


def sinusoidal_table(n_positions: int, d_model: int, rms: float) -> torch.Tensor:
    """(n_positions, d_model) sin/cos table of Vaswani et al. (geometric frequencies), scaled to root
    mean square ``rms``: a start for a learned table from which attention can read relative offsets."""
    pos = torch.arange(n_positions, dtype=torch.float32)[:, None]  # (P, 1)
    inv_freq = 1.0 / 10000.0 ** (torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)  # (ceil(d/2),)
    angles = pos * inv_freq  # (P, ceil(d/2))
    table = torch.empty(n_positions, d_model)
    table[:, 0::2] = angles.sin()
    table[:, 1::2] = angles.cos()[:, : d_model // 2]
    return table * (rms * math.sqrt(2.0))


def init_scheme(arch: str, init: str) -> str:
    """The scheme a model's ``init`` key selects, e.g. 'gpt2' or 'reference:hybrid_backbone'."""
    return init if init == "gpt2" else f"reference:{builder(arch)}"


@torch.no_grad()
def init_weights(model: nn.Module) -> None:
    """Initialise ``model`` (an ICLModel) by its ``sizes.init`` scheme. With ``position_init:
    sinusoidal`` the learned position table then starts as a sin/cos table at the root mean square
    the scheme gives the table (0.02 or 1) instead of noise; it is trained like any other weight."""
    position_std = _gpt2_style(model) if model.sizes.init == "gpt2" else _as_reference(model)
    if model.positions is not None and model.sizes.position_init == "sinusoidal":
        model.positions.weight.copy_(sinusoidal_table(*model.positions.weight.shape, rms=position_std))


def _gpt2_style(model: nn.Module) -> float:
    blocks = [*model.leading, *model.layers]
    n_res = sum(layer.n_sublayers() for layer in blocks)
    for module in model.modules():
        if isinstance(module, nn.Linear) and not getattr(module, "keep_init", False):
            std = INIT_STD / math.sqrt(n_res) if getattr(module, "is_residual_out", False) else INIT_STD
            nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, INIT_STD)
    return INIT_STD


def _torch_default(module: nn.Module) -> None:
    """PyTorch's own init for every linear, convolution and embedding layer inside ``module``."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Embedding)):
            m.reset_parameters()


def _normal_linears(module: nn.Module) -> None:
    """N(0, 0.02) weights and zero biases for every linear layer inside ``module``."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, INIT_STD)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _zero_linear_biases_but_dt(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.Linear) and m.bias is not None and not getattr(m, "keep_init", False):
            nn.init.zeros_(m.bias)


def _as_reference(model: nn.Module) -> float:
    """The reference's init for the model's architecture; returns the position table's std."""
    kind = builder(model.arch)
    blocks = [*model.leading, *model.layers]
    if kind == "gpt2_model":
        position_std = _gpt2_style(model)
    elif kind == "llama_model":
        for layer in blocks:
            _normal_linears(layer)
        position_std = INIT_STD
    elif kind == HYBRID:
        for layer in blocks:
            for part, module in (("mixer", layer.mixer), ("ffn", layer.ffn)):
                if module is not None:
                    library_init = _normal_linears if origin(layer.recipe, part) == GPT2 else _torch_default
                    library_init(module)
        position_std = 1.0
    else:  # mamba_model, mixer_model: the constructors' weights (PyTorch's, Mamba's dt init), zero biases
        for layer in blocks:
            _zero_linear_biases_but_dt(layer)
        if kind == "mixer_model":  # mamba-ssm's rescale_prenorm_residual over its n_layer blocks
            n_blocks = sum(layer.n_sublayers() for layer in model.layers)
            for m in model.modules():
                if isinstance(m, MambaMixer):
                    m.out_proj.weight.div_(math.sqrt(n_blocks))
        position_std = 1.0
    if model.positions is not None:
        nn.init.normal_(model.positions.weight, 0.0, position_std)
    _torch_default(model.read_in)
    _torch_default(model.read_out)
    return position_std
