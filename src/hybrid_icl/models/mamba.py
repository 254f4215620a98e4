"""The Mamba (v1) mixer: in_proj -> causal depthwise conv -> SiLU -> selective scan, gated by SiLU(z).

Follows Gu & Dao's ``mamba_simple.Mamba`` (no inner residual: the stack adds exactly one). Its
initialisation: S4D-real A = -(1..N) per channel (stored as A_log), D = 1, dt_proj weights
U(+-dt_rank^-0.5) and dt_proj bias = softplus^-1(dt) with dt log-uniform in [dt_min, dt_max].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .scan import _scan_channels_last, cuda_kernels, resolve_backend, selective_scan


class MambaMixer(nn.Module):
    """(B, L, d_model) -> (B, L, d_model). ``scan`` chooses the selective-scan path (see scan.py)."""

    def __init__(
        self,
        d_model: int,
        d_state: int = 16,
        d_conv: int = 4,
        expand: int = 2,
        dt_rank: int | str = "auto",
        bias: bool = False,
        conv_bias: bool = True,
        scan: str = "auto",
        dt_min: float = 1e-3,
        dt_max: float = 0.1,
        dt_init_floor: float = 1e-4,
    ):
        super().__init__()
        self.d_inner = int(expand * d_model)
        self.d_state = d_state
        self.dt_rank = math.ceil(d_model / 16) if dt_rank == "auto" else int(dt_rank)
        self.scan = scan
        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=bias)
        self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, d_conv, groups=self.d_inner, padding=d_conv - 1, bias=conv_bias)
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True)
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=bias)
        self.out_proj.is_residual_out = True
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(self.d_inner, 1))
        self.D = nn.Parameter(torch.ones(self.d_inner))
        self._init_dt(dt_min, dt_max, dt_init_floor)

    @torch.no_grad()
    def _init_dt(self, dt_min: float, dt_max: float, floor: float) -> None:
        std = self.dt_rank**-0.5
        nn.init.uniform_(self.dt_proj.weight, -std, std)
        dt = torch.exp(torch.rand(self.d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = dt.clamp(min=floor)
        self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        self.dt_proj.keep_init = True  # the model-wide init must not overwrite this

    def scan_path(self, device: torch.device | str) -> str:
        return resolve_backend(self.scan, device)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden (B, L, d_model) -> (B, L, d_model)."""
        path = self.scan_path(hidden.device)
        if path != "torch":  # mamba-ssm's kernels, or the sequential reference
            return self._forward_channels_first(hidden, path)
        # Portable path: everything stays (B, L, channels), as the projections produce and consume it.
        length = hidden.shape[1]
        x, z = self.in_proj(hidden).chunk(2, dim=-1)  # 2 x (B, L, d_inner)
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :length]).transpose(1, 2).contiguous()  # causal, (B, L, d_inner)
        dt, B, C = self.x_proj(x).split((self.dt_rank, self.d_state, self.d_state), dim=-1)
        dt = dt @ self.dt_proj.weight.T  # (B, L, d_inner); bias added in the scan
        f32 = lambda t: t.float()  # the scan runs in float32 (as the CUDA kernel does), also under autocast
        y = _scan_channels_last(
            f32(x), f32(dt), -torch.exp(self.A_log.float()), f32(B), f32(C), self.D.float(), f32(z),
            delta_bias=self.dt_proj.bias.float(), delta_softplus=True,
        )  # (B, L, d_inner)
        return self.out_proj(y)

    def _forward_channels_first(self, hidden: torch.Tensor, path: str) -> torch.Tensor:
        """The layout mamba-ssm's kernels (and ``selective_scan``) expect: (B, d_inner, L)."""
        length = hidden.shape[1]
        x, z = self.in_proj(hidden).transpose(1, 2).chunk(2, dim=1)  # 2 x (B, d_inner, L)
        conv_kernel = cuda_kernels()[1] if path == "cuda" else None
        if conv_kernel is not None:
            if self.d_inner % 8:  # causal_conv1d's channel-last layout needs channels in multiples of 8
                x = x.contiguous()
            x = conv_kernel(x, self.conv1d.weight.squeeze(1), self.conv1d.bias, activation="silu")
        else:
            x = F.silu(self.conv1d(x)[..., :length])  # causal: left padding only kept, (B, d_inner, L)
        dbc = self.x_proj(x.transpose(1, 2))  # (B, L, dt_rank + 2N)
        dt, B, C = dbc.split((self.dt_rank, self.d_state, self.d_state), dim=-1)
        dt = (dt @ self.dt_proj.weight.T).transpose(1, 2)  # (B, d_inner, L); bias added in the scan
        A = -torch.exp(self.A_log.float())  # (d_inner, N)
        y = selective_scan(
            x, dt, A, B.transpose(1, 2).contiguous(), C.transpose(1, 2).contiguous(), self.D.float(), z,
            delta_bias=self.dt_proj.bias.float(), delta_softplus=True, backend=path,
        )  # (B, d_inner, L)
        return self.out_proj(y.transpose(1, 2))
