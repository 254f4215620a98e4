"""Registry of in-context function classes.

``make_task(kind, params)`` builds a task from its config (``params`` = n_dims + task keys);
``validate_task_config`` reports problems without raising.
"""

from __future__ import annotations

from .base import Param, Prompts, Task
from .decision_tree import DecisionTreeRegression
from .linear import LinearRegression
from .many_outlier import ManyOutlierRegression
from .noisy_linear import NoisyLinearRegression
from .orthogonal_outlier import OrthogonalOutlierRegression
from .relu_net import ReluNetRegression
from .retrieval import VectorRetrieval
from .sliding_window import SlidingWindowRegression
from .sparse_linear import SparseLinearRegression
from .sparse_parity import SparseParity

TASKS: dict[str, type[Task]] = {
    cls.name: cls
    for cls in [
        LinearRegression,
        SparseLinearRegression,
        NoisyLinearRegression,
        ReluNetRegression,
        DecisionTreeRegression,
        SparseParity,
        VectorRetrieval,
        OrthogonalOutlierRegression,
        ManyOutlierRegression,
        SlidingWindowRegression,
    ]
}


def validate_task_config(name: str, kind: str, params: dict) -> list[str]:
    """Human-readable problems of one configured task (unknown kind, unknown key, bad value); never raises."""
    if kind not in TASKS:
        return [f"task {name!r}: unknown kind {kind!r}; known: {sorted(TASKS)}"]
    return [f"task {name!r}: {msg}" for msg in TASKS[kind].param_errors(dict(params or {}))]


def make_task(kind: str, params: dict | None = None) -> Task:
    """Build a task from its registered kind and its config parameters (n_dims, ...); ValueError if invalid."""
    if kind not in TASKS:
        raise ValueError(f"unknown task kind {kind!r}; known: {sorted(TASKS)}")
    return TASKS[kind](**(params or {}))


def task_defaults(kind: str) -> dict:
    """The default value of each task-specific parameter of a kind (besides n_dims)."""
    return {key: spec.default for key, spec in TASKS[kind].PARAMS.items()}


__all__ = ["Param", "Prompts", "Task", "TASKS", "make_task", "task_defaults", "validate_task_config"]
