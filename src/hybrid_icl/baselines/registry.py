"""The registry of baselines: name -> prediction function, description and task compatibility."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Baseline:
    """A classical in-context predictor.

    fn(xs (B, N, d), ys (B, N, dy), **params) -> preds (B, N, dy) float64, where preds[:, k] uses only
    the first k (x, y) pairs and x_k. ``task_kinds``: the task kinds it is meant for (None = any),
    with ``why`` explaining the restriction.
    """

    name: str
    fn: Callable[..., torch.Tensor]
    description: str
    task_kinds: frozenset[str] | None = None
    why: str = ""

    def param_names(self) -> list[str]:
        return [p for p in inspect.signature(self.fn).parameters if p not in ("xs", "ys")]

    def required_params(self) -> list[str]:
        sig = inspect.signature(self.fn).parameters
        return [p for p in self.param_names() if sig[p].default is inspect.Parameter.empty]


def baseline_entry(entry: str | dict) -> tuple[str, str, dict]:
    """A baseline as written in a config, ``name`` or ``{name, params?, label?}``, as (label, name, params).

    The label names the baseline in curves, tables and ``reference:`` keys (default: the name).
    """
    if isinstance(entry, str):
        return entry, entry, {}
    return entry.get("label", entry["name"]), entry["name"], dict(entry.get("params") or {})


def param_errors(baseline: Baseline, params: dict) -> list[str]:
    """Unknown or missing keyword parameters of a baseline, as messages (values are checked at run time)."""
    known = baseline.param_names()
    errors = [f"baseline {baseline.name!r}: unknown parameter {key!r} (known: {known})" for key in params if key not in known]
    errors += [f"baseline {baseline.name!r}: missing parameter {key!r}" for key in baseline.required_params() if key not in params]
    return errors
