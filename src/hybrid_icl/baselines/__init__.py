"""Classical in-context baselines, batched over prompts and over prefix lengths.

``predict_baseline(name, xs, ys, **params)`` returns float64 predictions (B, N, dy) where
``preds[:, k]`` uses only ``(xs[:, :k], ys[:, :k])`` and ``xs[:, k]`` (k = 0: the prior mean, 0).
"""

from __future__ import annotations

import torch

from .averaging import averaging
from .gd_net import gd_net
from .knn import knn, retrieval_lookup
from .lasso import lasso
from .least_squares import bayes, least_squares, ridge
from .outlier_filter import outlier_filtered_least_squares
from .parity import parity_elimination
from .registry import Baseline, baseline_entry, param_errors
from .trees import decision_tree, xgboost
from .window import window_least_squares, window_ridge
from .zero import zero

_LINEAR_PRIOR = frozenset({"linear", "noisy_linear"})

BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in [
        Baseline("zero", zero, "predict 0 (the prior mean)"),
        Baseline("least_squares", least_squares, "minimum-norm ordinary least squares"),
        Baseline(
            "outlier_filtered_least_squares", outlier_filtered_least_squares,
            "minimum-norm least squares on the examples other than a fixed outlier pair (Bayes-optimal for many_outlier)",
        ),
        Baseline("ridge", ridge, "ridge regression, penalty alpha ||w||^2"),
        Baseline(
            "bayes", bayes, "posterior mean of a Gaussian linear model (ridge, alpha = noise_var / prior_var)",
            _LINEAR_PRIOR, "it is the posterior mean of y = w.x + noise with w ~ N(0, I): only linear tasks",
        ),
        Baseline("averaging", averaging, "Garg et al.'s averaging estimator: x_k . mean_j(y_j x_j)"),
        Baseline("knn", knn, "mean label of the n_neighbors nearest earlier inputs"),
        Baseline("retrieval_lookup", retrieval_lookup, "label of the nearest earlier key (exact lookup)"),
        Baseline("lasso", lasso, "L1-penalised least squares (scikit-learn Lasso, fixed alpha)"),
        Baseline("decision_tree", decision_tree, "a regression tree fitted to the prefix (scikit-learn)"),
        Baseline("xgboost", xgboost, "gradient-boosted trees fitted to the prefix (xgboost)"),
        Baseline("gd_net", gd_net, "a 2-layer ReLU net trained by Adam on the prefix, all prompts batched"),
        Baseline(
            "parity_elimination", parity_elimination,
            "Bayes-optimal sparse parity: majority vote of the parities consistent with the prefix (GF(2))",
            frozenset({"sparse_parity"}), "it needs inputs in {-1, +1}^d and parity labels",
        ),
        Baseline(
            "window_least_squares", window_least_squares,
            "least squares on the concatenated last `window` inputs (the sliding-window class's features)",
        ),
        Baseline(
            "window_ridge", window_ridge,
            "ridge on the sliding-window features; sliding_window sets alpha from its label noise",
        ),
    ]
}


def get_baseline(name: str) -> Baseline:
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; known: {sorted(BASELINES)}")
    return BASELINES[name]


def predict_baseline(name: str, xs, ys, **params) -> torch.Tensor:
    """Predictions (B, N, dy), float64, of the named baseline on prompts xs (B, N, d), ys (B, N, dy)."""
    baseline = get_baseline(name)
    errors = param_errors(baseline, params)
    if errors:
        raise ValueError("; ".join(errors))
    return baseline.fn(xs, ys, **params)


def baseline_incompatibility(name: str, task) -> str | None:
    """Why the named baseline does not apply to a task (a ``Task`` or a kind string), or None if it does."""
    baseline = get_baseline(name)
    kind = task if isinstance(task, str) else task.name
    if baseline.task_kinds is not None and kind not in baseline.task_kinds:
        return f"baseline {name!r} does not apply to task kind {kind!r}: {baseline.why}"
    return None


def baseline_applies(name: str, task) -> bool:
    """Whether the named baseline is meant for the task (a ``Task`` or a kind string)."""
    return baseline_incompatibility(name, task) is None


def validate_baseline_config(name: str, params: dict | None, task_kind: str | None = None) -> list[str]:
    """Human-readable problems of one configured baseline (unknown name/params, wrong task), without raising."""
    if name not in BASELINES:
        return [f"unknown baseline {name!r}; known: {sorted(BASELINES)}"]
    errors = param_errors(BASELINES[name], params or {})
    if task_kind is not None:
        reason = baseline_incompatibility(name, task_kind)
        if reason:
            errors.append(reason)
    return errors


__all__ = [
    "BASELINES",
    "Baseline",
    "baseline_applies",
    "baseline_incompatibility",
    "get_baseline",
    "predict_baseline",
    "validate_baseline_config",
]
