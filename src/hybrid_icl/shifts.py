"""Out-of-distribution prompts (Garg et al. 2022, section 4): shifted inputs, noisy labels, longer prompts.

Each shift draws prompts of a ``FunctionTask`` whose inputs (or labels) differ from training while the
function class stays the same. Shifts and their parameters:

  skewed_covariance  x ~ N(0, S) with a random eigenbasis per prompt and eigenvalues ~ i^-exponent,
                     scaled so trace(S) = d (E||x||^2 unchanged)            params: exponent (2.0)
  scaled_x           x ~ N(0, scale^2 I)                                    params: scale (2.0)
  noisy_y            labels plus N(0, noise_var) noise                      params: noise_var (0.1)
  orthogonal_query   the last input is orthogonal to every earlier input; only the last position is
                     scored                                                 params: n_points (needs < n_dims + 1)
  longer_context     prompts of n_points (> the training length)            params: n_points
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .tasks import Prompts, Task
from .tasks.base import FunctionTask

SHIFT_PARAMS: dict[str, dict[str, float | int | None]] = {
    "skewed_covariance": {"exponent": 2.0},
    "scaled_x": {"scale": 2.0},
    "noisy_y": {"noise_var": 0.1},
    "orthogonal_query": {"n_points": None},
    "longer_context": {"n_points": None},
}


def shift_problems(shift: str, params: dict, task: Task, n_points: int, max_points: int) -> list[str]:
    """Why a shift cannot apply to this task with these parameters (messages name key and value)."""
    if shift not in SHIFT_PARAMS:
        return [f"shift: unknown shift {shift!r} (known: {sorted(SHIFT_PARAMS)})"]
    problems = [
        f"params.{key}: unknown parameter {key!r} = {value!r} of shift {shift!r} (known: {sorted(SHIFT_PARAMS[shift])})"
        for key, value in params.items()
        if key not in SHIFT_PARAMS[shift]
    ]
    if not isinstance(task, FunctionTask):
        problems.append(f"shift: {shift!r} needs a task whose inputs are x ~ N(0, I); {task.name!r} is not one")
    if shift == "orthogonal_query" and (params.get("n_points") or n_points) - 1 >= task.n_dims:
        problems.append(
            f"params.n_points: orthogonal_query needs n_points - 1 < n_dims = {task.n_dims}, "
            f"got n_points = {params.get('n_points') or n_points}"
        )
    if shift == "longer_context":
        wanted = params.get("n_points")
        if not isinstance(wanted, int) or wanted < 2 or wanted > max_points:
            problems.append(
                f"params.n_points: {wanted!r} must be an integer in [2, {max_points}] (raise the task's max_points "
                "to give models that many positions)"
            )
    return problems


def shifted_prompts(task: Task, shift: str, params: dict, n_prompts: int, n_points: int, gen: torch.Generator) -> Prompts:
    """Prompts (xs (B, N, d), ys (B, N, dy)) of ``task`` under ``shift``."""
    params = {**SHIFT_PARAMS[shift], **params}
    if shift == "longer_context":
        return task.sample(n_prompts, int(params["n_points"]), gen)
    if shift == "noisy_y":
        prompts = task.sample(n_prompts, n_points, gen)
        noise = torch.randn(prompts.ys.shape, generator=gen) * float(params["noise_var"]) ** 0.5
        return Prompts(prompts.xs, prompts.ys + noise)
    n_points = int(params.get("n_points") or n_points)
    xs = INPUT_SHIFTS[shift](torch.randn(n_prompts, n_points, task.n_dims, generator=gen), gen, params)
    return Prompts(xs, task.label(xs, gen, task.n_dims))


def skewed(xs: torch.Tensor, gen: torch.Generator, params: dict) -> torch.Tensor:
    """xs (B, N, d) standard normal -> N(0, S), S = U diag(lam) U^T, random orthogonal U per prompt."""
    b, _, d = xs.shape
    lam = torch.arange(1, d + 1, dtype=xs.dtype).pow(-float(params["exponent"]))
    lam = lam * d / lam.sum()
    basis, _ = torch.linalg.qr(torch.randn(b, d, d, generator=gen))  # (B, d, d) orthogonal
    return (xs * lam.sqrt()) @ basis.transpose(1, 2)


def scaled(xs: torch.Tensor, gen: torch.Generator, params: dict) -> torch.Tensor:
    return xs * float(params["scale"])


def orthogonal_query(xs: torch.Tensor, gen: torch.Generator, params: dict) -> torch.Tensor:
    """Project the last input onto the orthogonal complement of the earlier inputs (keeping its norm)."""
    context, query = xs[:, :-1], xs[:, -1:]
    basis, _ = torch.linalg.qr(context.transpose(1, 2))  # (B, d, N-1): span of the context inputs
    projected = query - (query @ basis) @ basis.transpose(1, 2)
    projected = projected * (query.norm(dim=-1, keepdim=True) / projected.norm(dim=-1, keepdim=True).clamp_min(1e-12))
    return torch.cat([context, projected], dim=1)


INPUT_SHIFTS: dict[str, Callable[[torch.Tensor, torch.Generator, dict], torch.Tensor]] = {
    "skewed_covariance": skewed,
    "scaled_x": scaled,
    "orthogonal_query": orthogonal_query,
}


def scored_positions(shift: str | None, task: Task) -> str:
    """Which positions an OOD evaluation scores: the query alone for orthogonal_query."""
    return "last" if shift == "orthogonal_query" else task.scored
