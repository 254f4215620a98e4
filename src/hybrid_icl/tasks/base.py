"""Common interface of the in-context function classes.

A task samples *prompts*: ``xs`` of shape (B, N, d) and ``ys`` of shape (B, N, dy). Each prompt
has its own function f drawn from the class, and ``ys[:, i] = f(xs[:, i])`` (plus task noise).
A model sees x1, y1, ..., xk and predicts yk; errors are reported per prompt and per position k.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch


@dataclass
class Prompts:
    """A batch of in-context prompts.

    xs: (B, N, d) float32 inputs. ys: (B, N, dy) float32 targets.
    """

    xs: torch.Tensor
    ys: torch.Tensor

    def to(self, device: torch.device | str) -> "Prompts":
        return Prompts(self.xs.to(device), self.ys.to(device))


def mask_inactive_dims(xs: torch.Tensor, d_active: int | None) -> torch.Tensor:
    """Zero the coordinates >= d_active of xs (B, N, d): the curriculum's smaller problems (Garg et al.)."""
    if d_active is None or d_active >= xs.shape[-1]:
        return xs
    xs = xs.clone()
    xs[..., d_active:] = 0.0
    return xs


class Task(ABC):
    """A function class to learn in context.

    Subclasses set ``name``, ``metric`` ("mse" or "accuracy"), ``default_baseline`` and
    ``scored`` ("all" positions, or only the "last" one) and implement ``sample``.
    """

    name: str = "task"
    metric: str = "mse"
    default_baseline: str = "least_squares"
    scored: str = "all"

    def __init__(self, n_dims: int, **params):
        if n_dims <= 0:
            raise ValueError(f"n_dims must be positive, got {n_dims}")
        self.n_dims = n_dims
        self.params = params

    @property
    def x_dim(self) -> int:
        return self.n_dims

    @property
    def y_dim(self) -> int:
        return 1

    @abstractmethod
    def sample(
        self, n_prompts: int, n_points: int, generator: torch.Generator, d_active: int | None = None
    ) -> Prompts:
        """Draw ``n_prompts`` prompts of ``n_points`` (x, y) pairs; xs (B, N, d), ys (B, N, dy)."""

    def error_scale(self, d_active: int | None = None) -> float:
        """Divisor that makes the zero predictor's expected squared error about 1."""
        return 1.0

    def pointwise_error(self, preds: torch.Tensor, ys: torch.Tensor, d_active: int | None = None) -> torch.Tensor:
        """Error per prompt and position, (B, N): normalised squared error (mean over dy), or 0/1 sign error."""
        if self.metric == "accuracy":
            return (torch.sign(preds) != torch.sign(ys)).float().mean(-1)
        return (preds - ys).pow(2).mean(-1) / self.error_scale(d_active)

    def loss_mask(self, n_points: int) -> torch.Tensor:
        """(N,) float weights of the positions that count in the training loss."""
        mask = torch.ones(n_points)
        if self.scored == "last":
            mask[:-1] = 0.0
        return mask
