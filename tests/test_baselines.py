"""Checks of the in-context baselines against straightforward per-prompt references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso

from hybrid_icl.baselines import (
    BASELINES,
    baseline_applies,
    baseline_incompatibility,
    predict_baseline,
    validate_baseline_config,
)
from hybrid_icl.baselines.gd_net import init_net, net_forward
from hybrid_icl.tasks import make_task
from hybrid_icl.tasks.sliding_window import window_features

CHEAP_PARAMS = {
    "bayes": {"noise_var": 0.1},
    "gd_net": {"steps": 5, "hidden": 8},
    "xgboost": {"n_estimators": 3},
    "window_least_squares": {"window": 2},
    "window_ridge": {"window": 2, "alpha": 0.5},
}


def gaussian_prompts(b: int, n: int, d: int, dy: int = 1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, n, d, generator=gen), torch.randn(b, n, dy, generator=gen)


def reference(fit_predict, xs, ys) -> np.ndarray:
    """Per-prompt, per-prefix loop in numpy: the definition the batched code must reproduce."""
    x, y = xs.double().numpy(), ys.double().numpy()
    out = np.zeros(y.shape)
    for b in range(x.shape[0]):
        for k in range(1, x.shape[1]):
            out[b, k] = fit_predict(x[b, :k], y[b, :k], x[b, k])
    return out


def lstsq_ref(x, y, q):
    return q @ np.linalg.lstsq(x, y, rcond=None)[0]


def ridge_ref(alpha: float):
    """Closed-form ridge prediction q . (X^T X + alpha I)^-1 X^T y."""
    return lambda x, y, q: q @ np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ y)


@pytest.mark.parametrize("b,n,d,dy", [(40, 30, 8, 1), (16, 25, 6, 3), (8, 5, 10, 1), (8, 12, 1, 1)])
def test_least_squares_equals_numpy_lstsq_every_prefix(b, n, d, dy):
    xs, ys = gaussian_prompts(b, n, d, dy)
    preds = predict_baseline("least_squares", xs, ys)
    assert preds.shape == (b, n, dy) and preds.dtype == torch.float64
    np.testing.assert_allclose(preds.numpy(), reference(lstsq_ref, xs, ys), atol=1e-6, rtol=0)


def test_least_squares_rank_deficient_prefixes_match_numpy():
    # Repeated {+-1} inputs and zeroed (curriculum) coordinates make many prefixes rank-deficient.
    gen = torch.Generator().manual_seed(1)
    xs = torch.randint(0, 2, (12, 40, 7), generator=gen).float() * 2 - 1
    xs[:, :, 4:] = 0
    ys = torch.randn(12, 40, 1, generator=gen)
    np.testing.assert_allclose(
        predict_baseline("least_squares", xs, ys).numpy(), reference(lstsq_ref, xs, ys), atol=1e-6, rtol=0
    )


def test_least_squares_error_curve_is_one_minus_k_over_d():
    d, n = 10, 16
    task = make_task("linear", {"n_dims": d})
    prompts = task.sample(3000, n, torch.Generator().manual_seed(2))
    err = task.pointwise_error(predict_baseline("least_squares", prompts.xs, prompts.ys).float(), prompts.ys)
    mean, sem = err.mean(0).numpy(), err.std(0).numpy() / np.sqrt(err.shape[0])
    expected = np.clip(1 - np.arange(n) / d, 0, None)
    assert np.all(np.abs(mean - expected) < 4 * sem + 1e-5), (mean, expected)
    assert mean[d:].max() < 1e-8


def test_ridge_and_bayes_equal_closed_form():
    xs, ys = gaussian_prompts(10, 20, 5, 2)
    for name, params, alpha in [("ridge", {"alpha": 0.7}, 0.7), ("bayes", {"noise_var": 0.5, "prior_var": 2.0}, 0.25)]:
        np.testing.assert_allclose(
            predict_baseline(name, xs, ys, **params).numpy(), reference(ridge_ref(alpha), xs, ys), atol=1e-8
        )
    for name, params in [("bayes", {"noise_var": 0.0}), ("ridge", {"alpha": 0.0})]:
        np.testing.assert_allclose(
            predict_baseline(name, xs, ys, **params).numpy(), predict_baseline("least_squares", xs, ys).numpy()
        )
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        predict_baseline("ridge", xs, ys, alpha=-1.0)


def test_averaging_matches_numpy():
    xs, ys = gaussian_prompts(6, 15, 4, 2)
    expected = reference(lambda x, y, q: q @ (x.T @ y / len(x)), xs, ys)
    np.testing.assert_allclose(predict_baseline("averaging", xs, ys).numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("n_neighbors", [1, 3, 5])
@pytest.mark.parametrize("binary", [False, True])
def test_knn_matches_numpy(n_neighbors, binary):
    xs, ys = gaussian_prompts(6, 20, 3, 1, seed=3)
    if binary:  # many exact distance ties: the earlier example wins
        xs = torch.sign(xs)

    def knn_ref(x, y, q):
        order = np.argsort(np.linalg.norm(x - q, axis=1), kind="stable")[:n_neighbors]
        return y[order].mean(0)

    np.testing.assert_allclose(
        predict_baseline("knn", xs, ys, n_neighbors=n_neighbors).numpy(), reference(knn_ref, xs, ys), atol=1e-10
    )


def test_retrieval_lookup_recalls_the_queried_value():
    task = make_task("retrieval", {"n_dims": 8, "n_pairs": 16})
    prompts = task.sample(50, 17, torch.Generator().manual_seed(4))
    preds = predict_baseline("retrieval_lookup", prompts.xs, prompts.ys)
    torch.testing.assert_close(preds[:, -1].float(), prompts.ys[:, -1])
    assert task.pointwise_error(preds[:, -1:].float(), prompts.ys[:, -1:]).max() == 0


def test_lasso_matches_sklearn_per_prompt():
    task = make_task("sparse_linear", {"n_dims": 8, "sparsity": 2})
    prompts = task.sample(3, 12, torch.Generator().manual_seed(5))
    preds = predict_baseline("lasso", prompts.xs, prompts.ys, alpha=0.05)

    def sk(x, y, q):
        return Lasso(alpha=0.05, fit_intercept=False, max_iter=10_000, tol=1e-6).fit(x, y[:, 0]).predict(q[None])

    np.testing.assert_allclose(preds.numpy(), reference(sk, prompts.xs, prompts.ys), atol=1e-8)
    # and it finds a sparse w: near-exact once k is well above the sparsity
    err = task.pointwise_error(preds.float(), prompts.ys)
    assert err[:, -3:].mean() < 0.05


@pytest.mark.parametrize("batch_size", [None, 2])
def test_gd_net_equals_per_prompt_training_loop(batch_size):
    """Each prompt's net trained alone (Garg et al.'s GDModel loop: per step, batch_size random
    positions of the prefix shared by all prompts) gives the batched baseline's predictions."""
    xs, ys = gaussian_prompts(3, 6, 4, 1, seed=6)
    hidden, steps, lr, seed = 7, 25, 0.02, 3
    preds = predict_baseline("gd_net", xs, ys, hidden=hidden, steps=steps, lr=lr, batch_size=batch_size,
                             init_seed=seed)  # fmt: skip
    init = init_net(3, 4, hidden, 1, seed)
    x64, y64 = xs.double(), ys.double()
    positions = torch.Generator().manual_seed(seed)
    rows = {}  # (k, step) -> the positions every prompt trains on
    for k in range(1, 6):
        for step in range(steps):
            rows[k, step] = torch.randperm(k, generator=positions)[:batch_size] if batch_size and batch_size < k else None
    for b in range(3):
        for k in range(1, 6):
            params = [p[b : b + 1].clone().requires_grad_(True) for p in init]
            opt = torch.optim.Adam(params, lr=lr)
            for step in range(steps):
                x, y = x64[b : b + 1, :k], y64[b : b + 1, :k]
                if rows[k, step] is not None:
                    x, y = x[:, rows[k, step]], y[:, rows[k, step]]
                opt.zero_grad()
                ((net_forward(params, x) - y) ** 2).mean().backward()
                opt.step()
            with torch.no_grad():
                expected = net_forward(params, x64[b : b + 1, k : k + 1])[0, 0]
            torch.testing.assert_close(preds[b, k], expected, atol=1e-9, rtol=1e-7)
    assert torch.all(preds[:, 0] == 0)


def parity_brute_force(xs: torch.Tensor, ys: torch.Tensor, sizes) -> np.ndarray:
    """Majority vote of every subset S (of the given sizes) with prod_S x_j = y_j on the prefix."""
    x, y = xs.numpy(), ys[..., 0].numpy()
    d = x.shape[-1]
    subsets = [s for r in sizes for s in itertools.combinations(range(d), r)]
    out = np.zeros(y.shape)
    for b in range(x.shape[0]):
        labels = np.stack([np.prod(x[b][:, list(s)], axis=1) for s in subsets])  # (H, N)
        for k in range(x.shape[1]):
            consistent = np.all(labels[:, :k] == y[b, :k], axis=1)
            out[b, k] = np.sign(labels[consistent, k].sum())
    return out[..., None]


@pytest.mark.parametrize("subset_size", [None, 2])
def test_parity_elimination_equals_brute_force(subset_size):
    task = make_task("sparse_parity", {"n_dims": 5, "k": 2})
    prompts = task.sample(20, 14, torch.Generator().manual_seed(7))
    preds = predict_baseline("parity_elimination", prompts.xs, prompts.ys, subset_size=subset_size)
    sizes = range(6) if subset_size is None else [subset_size]
    np.testing.assert_array_equal(preds.numpy(), parity_brute_force(prompts.xs, prompts.ys, sizes))
    assert set(np.unique(preds.numpy())) <= {-1.0, 0.0, 1.0}


@pytest.mark.parametrize("outlier_y", [1.0, 0.0])
def test_outlier_filtered_least_squares_equals_lstsq_on_clean_examples(outlier_y):
    task = make_task("many_outlier", {"n_dims": 6, "outlier_prob": 0.6, "outlier_y": outlier_y})
    prompts = task.sample(30, 18, torch.Generator().manual_seed(11), d_active=4)  # dims 4, 5 switched off
    x, y = prompts.xs.double().numpy(), prompts.ys.double().numpy()
    outlier = (x[..., :4] == 1).all(-1) & (x[..., 4:] == 0).all(-1) & (y[..., 0] == outlier_y)
    assert 0.4 < outlier[:, :-1].mean() < 0.8 and not outlier[:, -1].any()
    expected = np.zeros(y.shape)
    for b, k in itertools.product(range(x.shape[0]), range(1, x.shape[1])):
        clean = ~outlier[b, :k]
        if outlier[b, k]:
            expected[b, k] = outlier_y  # the outlier input's known label
        elif clean.any():
            expected[b, k] = lstsq_ref(x[b, :k][clean], y[b, :k][clean], x[b, k])
    params = task.baseline_params("outlier_filtered_least_squares")
    assert params == {"outlier_y": outlier_y}
    preds = predict_baseline("outlier_filtered_least_squares", prompts.xs, prompts.ys, **params)
    np.testing.assert_allclose(preds.numpy(), expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("n_context", [3, 20])
def test_outlier_filtered_least_squares_is_bayes_optimal_error(n_context):
    # Minimum-norm least squares on m clean examples leaves w's component outside their span:
    # normalised error max(d - m, 0) / d, with m ~ Binomial(n_context, 1 - outlier_prob).
    d, p = 5, 0.9
    task = make_task("many_outlier", {"n_dims": d, "outlier_prob": p})
    prompts = task.sample(20000, n_context + 1, torch.Generator().manual_seed(12))
    preds = predict_baseline("outlier_filtered_least_squares", prompts.xs, prompts.ys,
                             **task.baseline_params("outlier_filtered_least_squares"))  # fmt: skip
    err = task.pointwise_error(preds.float(), prompts.ys)[:, -1].double().numpy()
    m = np.arange(n_context + 1)
    pmf = np.array([math.comb(n_context, i) for i in m]) * (1 - p) ** m * p ** (n_context - m)
    expected = float((pmf * np.clip(d - m, 0, None)).sum() / d)
    # Tolerance from a bound, not the sample spread (a wrong estimator can have a huge spread):
    # per-prompt error <= (w.x)^2 / d in distribution, so its variance <= 3 E||w||^4 / d^2 = 3 (d + 2) / d.
    tolerance = 4 * math.sqrt(3 * (d + 2) / d / err.size)
    assert abs(err.mean() - expected) < tolerance, (err.mean(), expected)


def test_window_least_squares_solves_noiseless_sliding_window():
    task = make_task("sliding_window", {"n_dims": 3, "window": 2})
    prompts = task.sample(20, 14, torch.Generator().manual_seed(8))
    preds = predict_baseline("window_least_squares", prompts.xs, prompts.ys, **task.baseline_params("window_least_squares"))
    assert task.pointwise_error(preds.float(), prompts.ys)[:, 7:].max() < 1e-6


def test_window_ridge_equals_closed_form_ridge_on_window_features():
    xs, ys = gaussian_prompts(8, 18, 3, 2, seed=4)
    preds = predict_baseline("window_ridge", xs, ys, window=3, alpha=1.5)
    np.testing.assert_allclose(preds.numpy(), reference(ridge_ref(1.5), window_features(xs, 3), ys), atol=1e-8)
    np.testing.assert_allclose(
        predict_baseline("window_ridge", xs, ys, window=3, alpha=0.0).numpy(),
        predict_baseline("window_least_squares", xs, ys, window=3).numpy(),
    )


@pytest.mark.parametrize("d,window,noise_frac", [(5, 2, 0.1), (5, 2, 0.3), (4, 3, 0.2)])
def test_sliding_window_reference_alpha_is_near_the_best_ridge(d, window, noise_frac):
    # The task's alpha (its label-noise / prior variance ratio) must be within 2% of the best of a
    # x4 grid around it, averaged over all prefixes; least squares (alpha = 0) is far worse there.
    task = make_task("sliding_window", {"n_dims": d, "window": window, "label_noise_frac": noise_frac})
    prompts = task.sample(3000, 2 * d * window + 1, torch.Generator().manual_seed(5))
    params = task.baseline_params("window_ridge")

    def mean_error(alpha: float) -> float:
        preds = predict_baseline("window_ridge", prompts.xs, prompts.ys, **{**params, "alpha": alpha})
        return float(task.pointwise_error(preds.float(), prompts.ys).mean())

    ours = mean_error(params["alpha"])
    grid = [mean_error(params["alpha"] * factor) for factor in (0.25, 0.5, 2.0, 4.0)]
    assert ours <= 1.02 * min(grid), (ours, grid)
    assert mean_error(0.0) > 2 * ours


def test_tree_learners_fit_a_constant():
    xs, _ = gaussian_prompts(2, 6, 3)
    ys = torch.full((2, 6, 1), 2.5)
    for name in ("decision_tree", "xgboost"):
        preds = predict_baseline(name, xs, ys, **CHEAP_PARAMS.get(name, {}))
        assert preds[:, 0].abs().max() == 0
        torch.testing.assert_close(preds[:, 1:], torch.full((2, 5, 1), 2.5, dtype=torch.float64), atol=0.5, rtol=0)
    np.testing.assert_allclose(predict_baseline("decision_tree", xs, ys)[:, 1:].numpy(), 2.5)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baselines_are_causal(name):
    xs, ys = gaussian_prompts(3, 9, 3, seed=9)
    if name == "parity_elimination":
        xs, ys = torch.sign(xs), torch.sign(ys)
    params = CHEAP_PARAMS.get(name, {})
    base = predict_baseline(name, xs, ys, **params)
    assert base.shape == ys.shape and torch.isfinite(base).all()
    assert torch.all(base[:, 0] == 0), "no context -> prior mean 0"
    for k in (0, 3, 7):
        changed = ys.clone()
        changed[:, k:] = -changed[:, k:] * 3 + 1
        after = predict_baseline(name, xs, changed, **params)
        torch.testing.assert_close(after[:, : k + 1], base[:, : k + 1], atol=0, rtol=0)


def test_registry_rejects_bad_names_params_and_tasks():
    assert not baseline_applies("parity_elimination", "linear")
    assert "{-1, +1}" in baseline_incompatibility("parity_elimination", make_task("linear", {"n_dims": 3}))
    assert baseline_applies("least_squares", "sparse_parity")
    assert validate_baseline_config("least_squares", {}, "linear") == []
    assert any("unknown parameter 'alpha'" in e for e in validate_baseline_config("least_squares", {"alpha": 1}))
    assert any("missing parameter 'noise_var'" in e for e in validate_baseline_config("bayes", {}))
    assert validate_baseline_config("nope", {})[0].startswith("unknown baseline")
    with pytest.raises(ValueError, match="unknown baseline"):
        predict_baseline("nope", torch.zeros(1, 2, 1), torch.zeros(1, 2, 1))
    with pytest.raises(ValueError, match="n_neighbors"):
        predict_baseline("knn", torch.zeros(1, 2, 1), torch.zeros(1, 2, 1), n_neighbors=0)


def test_every_task_default_baseline_exists_and_applies():
    from hybrid_icl.tasks import TASKS

    for kind, cls in TASKS.items():
        assert cls.default_baseline in BASELINES, kind
        assert baseline_applies(cls.default_baseline, kind), kind
