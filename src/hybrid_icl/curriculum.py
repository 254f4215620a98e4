"""Curriculum over problem dimension and prompt length (Garg et al. 2022).

Each schedule is {start, end, inc, interval}: the value starts at ``start`` and grows by ``inc``
every ``interval`` training steps until it reaches ``end``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    start: int
    end: int
    inc: int = 1
    interval: int = 1000

    def value(self, step: int) -> int:
        if self.inc == 0 or self.interval <= 0:
            return self.start
        grown = self.start + self.inc * (step // self.interval)
        return min(grown, self.end) if self.inc > 0 else max(grown, self.end)


@dataclass(frozen=True)
class Curriculum:
    dims: Schedule
    points: Schedule

    @classmethod
    def from_task(cls, task_cfg: dict) -> "Curriculum":
        """Build from a task config; a missing schedule stays fixed at the full size."""
        cur = task_cfg.get("curriculum") or {}
        full_dims, full_points = task_cfg["n_dims"], task_cfg["n_points"]
        dims = cur.get("dims") or {"start": full_dims, "end": full_dims, "inc": 0}
        points = cur.get("points") or {"start": full_points, "end": full_points, "inc": 0}
        return cls(Schedule(**dims), Schedule(**points))

    def at(self, step: int) -> tuple[int, int]:
        """(active dimensions, number of points) at a training step."""
        return self.dims.value(step), self.points.value(step)
