"""Type checks of config values shared by the task and model validators (YAML booleans are not numbers)."""

from __future__ import annotations

from typing import Any


def is_int(value: Any) -> bool:
    """An integer, not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """An int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
