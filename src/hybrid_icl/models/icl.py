"""The in-context-learning wrapper: interleave (x, y) into tokens, run the stack, read at x tokens."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .init import init_scheme, init_weights
from .mamba import MambaMixer
from .norms import make_norm
from .recipe import ArchSpec
from .settings import ModelSizes, resolve_config
from .stack import ResidualLayer


def interleave(xs: torch.Tensor, ys: torch.Tensor, width: int) -> torch.Tensor:
    """xs (B, N, dx), ys (B, N, dy) -> tokens (B, 2N, width): x1, y1, x2, y2, ... zero-padded."""
    b, n, _ = xs.shape
    x_tok = F.pad(xs, (0, width - xs.shape[-1]))  # (B, N, w)
    y_tok = F.pad(ys, (0, width - ys.shape[-1]))  # (B, N, w)
    return torch.stack((x_tok, y_tok), dim=2).view(b, 2 * n, width)  # (B, 2N, w)


class ICLModel(nn.Module):
    """read-in -> [+ learned positions] -> leading blocks -> layers -> final norm -> read-out at x_k.

    ``forward(xs, ys)`` returns preds (B, N, dy); preds[:, k] sees x_1..x_k and y_1..y_{k-1} only.
    """

    def __init__(self, arch: str, spec: ArchSpec, sizes: ModelSizes, x_dim: int, y_dim: int, max_points: int):
        super().__init__()
        self.arch, self.spec, self.sizes = arch, spec, sizes
        self.x_dim, self.y_dim, self.max_points = x_dim, y_dim, max_points
        self.width = max(x_dim, y_dim)
        d = sizes.d_model
        self.read_in = nn.Linear(self.width, d)
        self.positions = nn.Embedding(2 * max_points, d) if spec.input_positions == "learned" else None
        self.drop = nn.Dropout(sizes.dropout)
        self.leading = nn.ModuleList(ResidualLayer(r, sizes) for r in spec.leading)
        self.layers = nn.ModuleList(ResidualLayer(r, sizes) for r in spec.layers)
        self.final_norm = make_norm(spec.final_norm, d)
        self.read_out = nn.Linear(d, y_dim)
        init_weights(self)  # by the ``init`` key: GPT-2 style (default) or the reference code's

    def forward(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        """xs (B, N, dx), ys (B, N, dy) -> preds (B, N, dy)."""
        n = xs.shape[1]
        h = self.read_in(interleave(xs, ys, self.width))  # (B, 2N, d)
        if self.positions is not None:
            if n > self.max_points:
                raise ValueError(f"{n} points but the model was built for max_points={self.max_points}")
            h = h + self.positions(torch.arange(2 * n, device=h.device))  # (2N, d) broadcast
        h = self.drop(h)
        for layer in [*self.leading, *self.layers]:
            h = layer(h)
        return self.read_out(self.final_norm(h)[:, ::2])  # x positions: (B, N, dy)

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def scan_path(self) -> str | None:
        """The selective-scan path Mamba blocks use on the model's current device (None: no Mamba)."""
        device = next(self.parameters()).device
        paths = {m.scan_path(device) for m in self.modules() if isinstance(m, MambaMixer)}
        return paths.pop() if paths else None

    def run_record(self) -> dict:
        """JSON-able facts: architecture, resolved recipe, sizes, parameter count, scan path."""
        return {
            "arch": self.arch,
            "spec": self.spec.as_dict(),
            "layers": [r.short() for r in self.spec.layers],
            "leading": [r.short() for r in self.spec.leading],
            "sizes": self.sizes.as_dict(),
            "init": init_scheme(self.arch, self.sizes.init),
            "x_dim": self.x_dim,
            "y_dim": self.y_dim,
            "token_width": self.width,
            "max_points": self.max_points,
            "n_params": self.n_params(),
            "scan": self.scan_path(),
        }


def build_model(model_cfg: dict, x_dim: int, y_dim: int, max_points: int) -> ICLModel:
    """A freshly initialised ICLModel (deterministic given torch.manual_seed). ValueError on a bad config."""
    arch, spec, sizes = resolve_config(model_cfg)
    return ICLModel(arch, spec, sizes, x_dim, y_dim, max_points)
