"""Registry of in-context function classes."""

from __future__ import annotations

from .base import Prompts, Task
from .linear import LinearRegression

TASKS: dict[str, type[Task]] = {
    LinearRegression.name: LinearRegression,
}


def make_task(kind: str, params: dict | None = None) -> Task:
    """Build a task from its registered kind and its config parameters (n_dims, ...)."""
    if kind not in TASKS:
        raise KeyError(f"unknown task kind {kind!r}; known: {sorted(TASKS)}")
    return TASKS[kind](**(params or {}))


__all__ = ["Prompts", "Task", "TASKS", "make_task"]
