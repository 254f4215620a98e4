"""Lasso on each prefix (scikit-learn), as in Garg et al.'s sparse linear regression baseline.

sklearn's objective: (1 / (2k)) ||y - X w||^2 + alpha ||w||_1, no intercept. The penalty is fixed
(default 0.01, Garg et al.'s choice) rather than cross-validated: CV on a handful of points is noisy
and would make the baseline depend on fold splits. Per-prompt, per-prefix fits (no batched solver).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso

from ._prefix import per_prefix


def lasso(xs, ys, alpha: float = 0.01, max_iter: int = 10_000, tol: float = 1e-6) -> torch.Tensor:
    """(B, N, dy) Lasso predictions; 0 at k = 0."""
    if not alpha > 0:
        raise ValueError(f"lasso alpha must be > 0, got {alpha!r}")

    def fit_predict(x: np.ndarray, y: np.ndarray, query: np.ndarray) -> np.ndarray:
        model = Lasso(alpha=alpha, fit_intercept=False, max_iter=max_iter, tol=tol)
        model.fit(x, y if y.shape[1] > 1 else y[:, 0])
        return model.predict(query)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return per_prefix(fit_predict, xs, ys)
