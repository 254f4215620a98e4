"""Bounds a suite config must respect beyond its schema: finite numbers, prompts long enough to be
scored, and model sizes that fit under a configurable ceiling.

Sizes are checked before any job runs: a cheap upper bound of parameters and training memory per
(task, model) pair, and, only where that bound exceeds a ceiling, the model's exact parameter count
and the tensors its forward pass keeps for the backward pass, measured on PyTorch's ``meta`` device
(shapes only, nothing allocated). The ceilings are ``limits.max_parameters`` and
``limits.max_memory_mb`` of the suite (defaults below).
"""

from __future__ import annotations

import math
from typing import Any

LIMIT_DEFAULTS = {"max_parameters": 2_000_000_000, "max_memory_mb": 65_536}
BYTES_PER_FLOAT = 4
# Adam(W) training keeps weights, gradients and two moment estimates: four floats per parameter.
FLOATS_PER_PARAMETER = 4
MIN_POINTS = 2


def non_finite_problems(value: Any, where: str = "") -> list[str]:
    """Every NaN or infinite number in a config (YAML's .nan / .inf), as 'key.path: ...' lines."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in non_finite_problems(item, f"{where}.{key}".lstrip("."))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in non_finite_problems(item, f"{where}[{i}]")]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where or '(top level)'}: {value} is not a finite number"]
    return []


def point_problems(config: dict) -> list[str]:
    """Prompts need at least one in-context example before a query, or every learner predicts zero
    and the ICL score is undefined (0 / 0)."""
    problems = []
    for name, spec in config["tasks"].items():
        eval_points = (spec.get("eval") or {}).get("n_points")
        for key, points in (("n_points", spec["n_points"]), ("eval.n_points", eval_points)):
            if points is not None and points < MIN_POINTS:
                problems.append(
                    f"tasks.{name}.{key}: {points} point leaves no in-context example before the query, so every "
                    f"score is undefined; use at least {MIN_POINTS}"
                )
    return problems


def limits(config: dict) -> dict:
    return {**LIMIT_DEFAULTS, **(config.get("limits") or {})}


def upper_estimate(model: dict, width: int, y_dim: int, max_points: int, batch: int) -> tuple[float, float]:
    """(parameters, training memory in MB), upper bounds for every recipe of the zoo (tests/test_bounds.py
    checks them against ``exact_estimate``); cheap, so every pair of a suite can be checked."""
    d, layers = model["d_model"], model["n_layer"] + 2  # + the leading blocks a recipe may add
    expand, state = model.get("expand", 2), model.get("d_state", 16)
    ratio = max(model.get("mlp_ratio", 4), 4)
    per_layer = d * d * (8 + 3 * ratio + 6 * expand) + 8 * expand * d * (state + model.get("d_conv", 4) + 8)
    params = layers * per_layer + d * (width + y_dim + 2 * max_points + 4)
    tokens = 2 * max_points
    heads = model.get("n_head") or 1
    per_token = d * (64 + 24 * expand * (1 + state / 32)) + 4 * heads * tokens
    activations = batch * tokens * layers * per_token
    return params, (FLOATS_PER_PARAMETER * params + activations) * BYTES_PER_FLOAT / 2**20


def exact_estimate(model: dict, width: int, y_dim: int, max_points: int, batch: int) -> tuple[int, float]:
    """(parameters, training memory in MB) of the built model, measured on the meta device: weights,
    gradients and Adam's moments plus every tensor the forward pass saves for backward (a tensor
    saved by two operations counts twice, so this errs high)."""
    import torch

    from .models import build_model

    with torch.device("meta"):
        net = build_model(model, width, y_dim, max_points)
        xs, ys = torch.empty(1, max_points, width), torch.empty(1, max_points, y_dim)
    params = sum(p.numel() for p in net.parameters())
    saved = [0]

    def count(tensor: torch.Tensor) -> torch.Tensor:
        saved[0] += tensor.numel() * tensor.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(count, lambda tensor: tensor):
        net(xs, ys)
    return params, (FLOATS_PER_PARAMETER * params * BYTES_PER_FLOAT + batch * saved[0]) / 2**20


def size_problems(config: dict) -> list[str]:
    """Each trained (task, model) pair whose parameters or training memory exceed ``limits``."""
    from .config import experiment_grid, task_params, training_settings
    from .tasks import make_task
    from .train import max_points

    ceiling = limits(config)
    problems = []
    for task_name, model_name in dict.fromkeys((t, m) for t, m, _ in experiment_grid(config)):
        task_cfg = config["tasks"][task_name]
        task = make_task(task_cfg["kind"], task_params(task_cfg))
        model = {k: v for k, v in config["models"][model_name].items() if k != "training"}
        batch = int(training_settings(config, task_name, model_name)["batch_size"])
        shape = (max(task.x_dim, task.y_dim), task.y_dim, max_points(task_cfg), batch)
        params, memory = upper_estimate(model, *shape)
        if params <= ceiling["max_parameters"] and memory <= ceiling["max_memory_mb"]:
            continue
        params, memory = exact_estimate(model, *shape)
        where = f"models.{model_name} on tasks.{task_name}"
        if params > ceiling["max_parameters"]:
            problems.append(
                f"{where}: {params:.3g} parameters exceed limits.max_parameters = {ceiling['max_parameters']:.3g} "
                "(reduce d_model or n_layer, or raise the limit)"
            )
        if memory > ceiling["max_memory_mb"]:
            problems.append(
                f"{where}: training needs about {memory:,.0f} MB (weights, gradients, Adam state and activations "
                f"at batch {batch}), above limits.max_memory_mb = {ceiling['max_memory_mb']:,} "
                "(reduce the model, training.batch_size or the prompt length, or raise the limit)"
            )
    return problems
