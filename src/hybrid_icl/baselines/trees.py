"""Tree learners fitted to each prefix: a scikit-learn regression tree and xgboost's boosted trees.

These cannot batch over prompts: one fit per (prompt, prefix). Cost grows as B x N fits.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.tree import DecisionTreeRegressor

from ._prefix import per_prefix


def decision_tree(xs, ys, max_depth: int | None = None, random_state: int = 0) -> torch.Tensor:
    """(B, N, dy): a CART regression tree (fully grown unless max_depth) fitted to the prefix."""

    def fit_predict(x: np.ndarray, y: np.ndarray, query: np.ndarray) -> np.ndarray:
        tree = DecisionTreeRegressor(max_depth=max_depth, random_state=random_state)
        return tree.fit(x, y if y.shape[1] > 1 else y[:, 0]).predict(query)

    return per_prefix(fit_predict, xs, ys)


def xgboost(
    xs, ys, n_estimators: int = 50, max_depth: int = 4, learning_rate: float = 0.3, seed: int = 0, n_jobs: int = 1
) -> torch.Tensor:
    """(B, N, dy): gradient-boosted trees (xgboost, histogram method) fitted to the prefix."""
    from xgboost import XGBRegressor  # imported lazily: heavy, and only this baseline needs it

    def fit_predict(x: np.ndarray, y: np.ndarray, query: np.ndarray) -> np.ndarray:
        model = XGBRegressor(
            n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate,
            random_state=seed, n_jobs=n_jobs, tree_method="hist",
        )
        return model.fit(x, y if y.shape[1] > 1 else y[:, 0]).predict(query)

    return per_prefix(fit_predict, xs, ys)
