"""Common interface of the in-context function classes.

A task samples *prompts*: ``xs`` of shape (B, N, d) and ``ys`` of shape (B, N, dy). Each prompt
has its own function f drawn from the class, and ``ys[:, i] = f(xs[:, i])`` (plus task noise).
A model sees x1, y1, ..., xk and predicts yk; errors are reported per prompt and per position k.
Parameters are declared per class (``PARAMS``) so configs can be validated without sampling.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..values import is_int, is_real


@dataclass
class Prompts:
    """A batch of in-context prompts.

    xs: (B, N, d) float32 inputs. ys: (B, N, dy) float32 targets.
    """

    xs: torch.Tensor
    ys: torch.Tensor

    def to(self, device: torch.device | str) -> "Prompts":
        return Prompts(self.xs.to(device), self.ys.to(device))


@dataclass(frozen=True)
class Param:
    """A task parameter: its default, a validity check and the rule in words (for error messages)."""

    default: Any
    check: Callable[[Any], bool]
    rule: str


def positive_int(default: int) -> Param:
    return Param(default, lambda v: is_int(v) and v >= 1, "a positive integer")


def non_negative(default: float) -> Param:
    return Param(default, lambda v: is_real(v) and v >= 0, "a number >= 0")


def real(default: float) -> Param:
    return Param(default, is_real, "a number")


def probability(default: float) -> Param:
    return Param(default, lambda v: is_real(v) and 0 <= v <= 1, "a number in [0, 1]")


def choice(default: str, options: tuple[str, ...]) -> Param:
    return Param(default, lambda v: v in options, f"one of {list(options)}")


def at_most_n_dims(key: str) -> classmethod:
    """A ``relation_errors`` for a task whose parameter ``key`` cannot exceed n_dims."""

    def relation_errors(cls, n_dims: int, values: dict) -> list[str]:
        if values[key] > n_dims:
            return [f"parameter {key!r} = {values[key]} exceeds n_dims = {n_dims}"]
        return []

    return classmethod(relation_errors)


def mask_inactive_dims(xs: torch.Tensor, d_active: int | None) -> torch.Tensor:
    """Zero the coordinates >= d_active of xs (B, N, d): the curriculum's smaller problems (Garg et al.)."""
    if d_active is None or d_active >= xs.shape[-1]:
        return xs
    xs = xs.clone()
    xs[..., d_active:] = 0.0
    return xs


class Task(ABC):
    """A function class to learn in context.

    Subclasses set ``name``, ``description``, ``metric`` (the primary error, a name in
    ``hybrid_icl.metrics.METRICS``), ``secondary_metrics`` (further errors tabulated on their own),
    ``default_baseline``, ``scored`` ("all" positions, or only the "last" one) and ``PARAMS``
    (task keys besides ``n_dims``, with defaults), and implement ``sample``. Parameter values are
    available as attributes (``self.sparsity``, ...).
    """

    name: ClassVar[str] = "task"
    description: ClassVar[str] = ""
    metric: ClassVar[str] = "mse"
    secondary_metrics: ClassVar[tuple[str, ...]] = ()
    default_baseline: ClassVar[str] = "least_squares"
    scored: ClassVar[str] = "all"
    PARAMS: ClassVar[dict[str, Param]] = {}

    def __init__(self, n_dims: int, **params: Any):
        errors = self.param_errors({"n_dims": n_dims, **params})
        if errors:
            raise ValueError("; ".join(errors))
        self.n_dims = n_dims
        self.params = {key: params.get(key, spec.default) for key, spec in self.PARAMS.items()}
        for key, value in self.params.items():
            setattr(self, key, value)

    @classmethod
    def param_errors(cls, params: dict) -> list[str]:
        """Problems with a parameter dict (n_dims + task keys), as messages naming key and value."""
        errors = []
        n_dims = params.get("n_dims")
        if not (is_int(n_dims) and n_dims >= 1):
            errors.append(f"n_dims must be a positive integer, got {n_dims!r}")
        for key, value in params.items():
            if key == "n_dims":
                continue
            if key not in cls.PARAMS:
                errors.append(f"unknown parameter {key!r} = {value!r} for task kind {cls.name!r} (known: {sorted(cls.PARAMS)})")
            elif not cls.PARAMS[key].check(value):
                errors.append(f"parameter {key!r} must be {cls.PARAMS[key].rule}, got {value!r}")
        if not errors:
            values = {key: params.get(key, spec.default) for key, spec in cls.PARAMS.items()}
            errors += cls.relation_errors(n_dims, values)
        return errors

    @classmethod
    def relation_errors(cls, n_dims: int, values: dict) -> list[str]:
        """Constraints between parameters (e.g. sparsity <= n_dims); override when needed."""
        return []

    @property
    def x_dim(self) -> int:
        return self.n_dims

    @property
    def y_dim(self) -> int:
        return 1

    def active_dims(self, d_active: int | None) -> int:
        """The number of coordinates in use: d_active under a curriculum, else n_dims."""
        if d_active is None:
            return self.n_dims
        if not 1 <= d_active <= self.n_dims:
            raise ValueError(f"d_active must be in [1, {self.n_dims}], got {d_active!r}")
        return d_active

    @abstractmethod
    def sample(
        self, n_prompts: int, n_points: int, generator: torch.Generator, d_active: int | None = None
    ) -> Prompts:
        """Draw ``n_prompts`` prompts of ``n_points`` (x, y) pairs; xs (B, N, d), ys (B, N, dy)."""

    def training_batch(
        self, batch_size: int, n_points: int, generator: torch.Generator, d_active: int | None = None
    ) -> Prompts:
        """One training batch; the same draw as ``sample`` unless a task trains differently
        (e.g. sparse parity with one subset shared by the whole batch)."""
        return self.sample(batch_size, n_points, generator, d_active=d_active)

    def error_scale(self, d_active: int | None = None) -> float:
        """Divisor that makes the zero predictor's expected squared error about 1."""
        return 1.0

    def pointwise_error(
        self, preds: torch.Tensor, ys: torch.Tensor, d_active: int | None = None, metric: str | None = None
    ) -> torch.Tensor:
        """Error per prompt and position, (B, N), by ``metric`` (default: the task's primary one).

        A normalised metric (squared error) is divided by ``error_scale``, so the zero predictor's
        expected error is about 1; see hybrid_icl.metrics for each metric's definition.
        """
        # Scoring only, never training: imported by absolute name, so a change to the metrics is not
        # part of any run's code version (hybrid_icl.provenance follows relative imports).
        from hybrid_icl.metrics import METRICS

        spec = METRICS[metric or self.metric]
        errors = spec.function(preds, ys)
        return errors / self.error_scale(d_active) if spec.normalised else errors

    def errors_by_metric(self, preds: torch.Tensor, ys: torch.Tensor) -> dict[str, torch.Tensor]:
        """(B, N) errors of every metric: "error" (the primary one), then each secondary metric by name."""
        return {"error": self.pointwise_error(preds, ys)} | {
            name: self.pointwise_error(preds, ys, metric=name) for name in self.secondary_metrics
        }

    def loss_mask(self, n_points: int) -> torch.Tensor:
        """(N,) float weights of the positions that count in the training loss."""
        mask = torch.ones(n_points)
        if self.scored == "last":
            mask[:-1] = 0.0
        return mask

    def baseline_params(self, baseline: str) -> dict:
        """Parameters a baseline needs from this task (e.g. the noise variance for ``bayes``); config overrides."""
        return {}


class FunctionTask(Task):
    """A task whose prompt is x ~ N(0, I) (active dims) labelled by one random function per prompt.

    Subclasses implement ``label``; ``sample`` draws the inputs, then the function. Separating the two
    lets out-of-distribution shifts (hybrid_icl.shifts) change the inputs and keep the function class.
    """

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        from ._sampling import gaussian

        d_act = self.active_dims(d_active)
        xs = gaussian((n_prompts, n_points, self.n_dims), generator, d_act)
        return Prompts(xs, self.label(xs, generator, d_act))

    @abstractmethod
    def label(self, xs: torch.Tensor, generator: torch.Generator, d_active: int) -> torch.Tensor:
        """Draw one function per prompt and apply it: xs (B, N, d) -> ys (B, N, dy)."""
