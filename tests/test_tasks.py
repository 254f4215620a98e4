"""Sampling statistics, determinism and config validation of the function classes."""

from __future__ import annotations

import pytest
import torch

from hybrid_icl.metrics import METRICS
from hybrid_icl.tasks import TASKS, make_task, task_defaults, validate_task_config


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sample(kind: str, params: dict, b: int = 2000, n: int = 20, d_active=None, seed: int = 0):
    task = make_task(kind, params)
    return task, task.sample(b, n, gen(seed), d_active=d_active)


def close(value: torch.Tensor | float, target: float, tol: float) -> bool:
    return abs(float(value) - target) < tol


def default_params(kind: str, d: int = 5) -> dict:
    return {"n_dims": d, **({"n_pairs": 8} if kind == "retrieval" else {})}


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_shapes_dtypes_determinism_and_curriculum(kind):
    task = make_task(kind, default_params(kind))
    n = 9
    a = task.sample(16, n, gen(1))
    b = task.sample(16, n, gen(1))
    assert a.xs.shape == (16, n, 5) and a.ys.shape == (16, n, task.y_dim)
    assert a.xs.dtype == a.ys.dtype == torch.float32
    assert torch.equal(a.xs, b.xs) and torch.equal(a.ys, b.ys)
    assert not torch.equal(a.xs, task.sample(16, n, gen(2)).xs)
    small = task.sample(16, n, gen(1), d_active=2)
    assert torch.all(small.xs[..., 2:] == 0)
    assert task.metric in METRICS and set(task.secondary_metrics) <= set(METRICS) - {task.metric}
    assert task.scored in ("all", "last") and task.description
    assert task.loss_mask(n).shape == (n,)


@pytest.mark.parametrize("kind", sorted(k for k in TASKS if TASKS[k].metric == "mse"))
def test_zero_predictor_scores_about_one(kind):
    task, p = sample(kind, default_params(kind, 6), b=4000, n=9)
    err = task.pointwise_error(torch.zeros_like(p.ys), p.ys)
    scored = err[:, -1] if task.scored == "last" else err[:, 3:]
    assert close(scored.mean(), 1.0, 0.1), float(scored.mean())


def test_linear_statistics():
    task, p = sample("linear", {"n_dims": 8})
    assert close(p.xs.mean(), 0, 0.01) and close(p.xs.var(), 1, 0.02)
    assert close(p.ys.var(), 8, 0.5)
    w = torch.linalg.lstsq(p.xs[:, :8], p.ys[:, :8]).solution  # recover each prompt's w exactly
    assert close(w.mean(), 0, 0.03) and close(w.var(), 1, 0.05)
    _, small = sample("linear", {"n_dims": 8}, d_active=3)
    assert close(small.ys.var(), 3, 0.2)


def test_sparse_linear_has_exactly_sparsity_nonzeros_in_active_dims():
    task, p = sample("sparse_linear", {"n_dims": 10, "sparsity": 3}, d_active=6)
    w = torch.linalg.lstsq(p.xs[:, :12, :6].double(), p.ys[:, :12].double()).solution[..., 0]  # (B, 6)
    nonzero = w.abs() > 1e-4
    assert torch.all(nonzero.sum(-1) <= 3) and (nonzero.sum(-1) == 3).float().mean() > 0.995
    assert torch.all(w[:, :].abs().sum(-1) > 0) and torch.all(p.xs[..., 6:] == 0)
    assert close(nonzero.float().mean(0).min(), 0.5, 0.06)  # positions uniform over the 6 active dims
    assert close(w[nonzero].var(), 1, 0.08)
    assert close(p.ys.var(), 3, 0.2)
    assert task.error_scale(6) == 3 and task.error_scale(2) == 2


def test_noisy_linear_noise_variance():
    task, p = sample("noisy_linear", {"n_dims": 4, "noise_var": 0.3}, n=40)
    w = torch.linalg.lstsq(p.xs, p.ys).solution
    resid = p.ys - p.xs @ w
    assert close(resid.pow(2).sum() / (resid.numel() - 4 * p.xs.shape[0]), 0.3, 0.02)
    assert task.baseline_params("bayes") == {"noise_var": 0.3, "prior_var": 1.0}


@pytest.mark.parametrize("scale,expected", [("garg", 6.0), ("none", 300.0)])
def test_relu_net_output_scale(scale, expected):
    task, p = sample("relu_net", {"n_dims": 6, "hidden": 100, "scale": scale}, b=4000, n=10)
    assert task.error_scale() == pytest.approx(expected)
    assert close(p.ys.pow(2).mean() / expected, 1.0, 0.08)


def test_decision_tree_leaves_and_splits():
    task, p = sample("decision_tree", {"n_dims": 5, "depth": 2}, b=500, n=60)
    assert close(p.ys.var(), 1.0, 0.1)
    # with depth 2 a prompt takes at most 4 distinct values, and each is a function of sign(x)
    assert max(len(torch.unique(p.ys[b])) for b in range(500)) <= 4
    signs = (p.xs > 0).long()
    for b in range(20):
        for i in range(60):
            same = torch.all(signs[b] == signs[b, i], dim=-1)
            assert torch.all(p.ys[b, same] == p.ys[b, i])


def test_sparse_parity_values_and_support():
    task, p = sample("sparse_parity", {"n_dims": 6, "k": 2}, b=300, n=80)
    assert set(p.xs.unique().tolist()) == {-1.0, 1.0} and set(p.ys.unique().tolist()) == {-1.0, 1.0}
    assert close(p.xs.mean(), 0, 0.02) and close(p.ys.mean(), 0, 0.05)
    # each prompt's labels equal the product of exactly one pair of coordinates
    for b in range(30):
        matches = [
            (i, j) for i in range(6) for j in range(i + 1, 6) if torch.equal(p.xs[b, :, i] * p.xs[b, :, j], p.ys[b, :, 0])
        ]
        assert len(matches) == 1
    assert task.metric == "mse" and task.secondary_metrics == ("sign_error",)


def test_retrieval_query_is_a_key_and_target_its_value():
    task, p = sample("retrieval", {"n_dims": 8, "n_pairs": 16}, b=200, n=17)
    assert task.y_dim == 8 and task.scored == "last"
    torch.testing.assert_close(p.xs[:, :-1].norm(dim=-1), torch.full((200, 16), 8**0.5))
    torch.testing.assert_close(p.ys[:, :-1].norm(dim=-1), torch.full((200, 16), 8**0.5))
    hit = torch.all(p.xs[:, :-1] == p.xs[:, -1:], dim=-1)  # (B, 16)
    assert torch.all(hit.sum(-1) == 1)
    idx = hit.float().argmax(-1)
    assert torch.equal(p.ys[torch.arange(200), idx], p.ys[:, -1])
    assert close(torch.bincount(idx, minlength=16).float().std() / 200 * 16, 0, 0.5)
    with pytest.raises(ValueError, match="n_pairs"):
        task.sample(2, 18, gen())
    assert task.loss_mask(17).tolist() == [0.0] * 16 + [1.0]


def test_many_outlier_replaces_context_but_not_query():
    task, p = sample("many_outlier", {"n_dims": 4, "outlier_prob": 0.9}, b=1000, n=30)
    is_out = torch.all(p.xs == 1, dim=-1)
    assert close(is_out[:, :-1].float().mean(), 0.9, 0.01) and not is_out[:, -1].any()
    assert torch.all(p.ys[is_out] == 1)  # Park et al.'s outlier label (outlier_y)
    assert close(p.ys[:, -1].var(), 4, 0.5)


def test_orthogonal_outliers_are_orthogonal_to_the_task_vector():
    # outlier_prob = 1: every context input is orthogonal to w (one null direction) and labelled by
    # another linear map u; the query is clean, so its label is w.x with w along that null direction.
    task, p = sample("orthogonal_outlier", {"n_dims": 4, "outlier_prob": 1.0}, b=200, n=12)
    xs, ys = p.xs.double(), p.ys.double()
    _, sing, vh = torch.linalg.svd(xs[:, :-1])
    assert torch.all(sing[:, -1] < 1e-4 * sing[:, 0])
    w_dir = vh[:, -1]  # (B, d): the direction of w
    u = torch.linalg.lstsq(xs[:, :-1], ys[:, :-1]).solution
    torch.testing.assert_close(xs[:, :-1] @ u, ys[:, :-1], atol=1e-4, rtol=0)  # context follows u
    along = (xs[:, -1] * w_dir).sum(-1)
    assert torch.all(along.abs() > 1e-6)
    w_norm = ys[:, -1, 0] / along  # the query's label is |w| (x_q . w_dir), up to sign
    assert close(w_norm.pow(2).mean(), 4, 0.8)  # |w|^2 ~ chi^2_d
    # outlier_prob = 0 is plain linear regression
    _, clean = sample("orthogonal_outlier", {"n_dims": 4, "outlier_prob": 0.0}, b=50, n=12)
    w = torch.linalg.lstsq(clean.xs[:, :4].double(), clean.ys[:, :4].double()).solution
    torch.testing.assert_close(clean.xs.double() @ w, clean.ys.double(), atol=1e-4, rtol=0)


def test_sliding_window_definition_and_label_noise():
    task, p = sample("sliding_window", {"n_dims": 3, "window": 2}, b=500, n=30)
    from hybrid_icl.tasks.sliding_window import window_features

    feats = window_features(p.xs, 2)  # (B, N, 6)
    w = torch.linalg.lstsq(feats[:, :12].double(), p.ys[:, :12].double()).solution
    torch.testing.assert_close((feats.double() @ w).float(), p.ys, atol=1e-4, rtol=0)
    assert close(w.var(), 0.5, 0.05)  # w_j ~ N(0, I / window)
    assert close(p.ys[:, 2:].var(), 3, 0.25)
    _, noisy = sample("sliding_window", {"n_dims": 3, "window": 2, "label_noise_frac": 0.3}, b=500, n=30)
    _, clean = sample("sliding_window", {"n_dims": 3, "window": 2, "label_noise_frac": 0.0}, b=500, n=30)
    assert torch.equal(noisy.xs, clean.xs)
    assert close((noisy.ys != clean.ys).float().mean(), 0.3, 0.02)


def test_invalid_params_raise_and_validate_reports():
    with pytest.raises(ValueError, match="unknown task kind"):
        make_task("cubic", {"n_dims": 3})
    with pytest.raises(ValueError, match="'sparsity'"):
        make_task("sparse_linear", {"n_dims": 3, "sparsity": 0})
    with pytest.raises(ValueError, match="'sparsity' = 5 exceeds"):
        make_task("sparse_linear", {"n_dims": 3, "sparsity": 5})
    with pytest.raises(ValueError, match="unknown parameter 'noise'"):
        make_task("linear", {"n_dims": 3, "noise": 1})
    with pytest.raises(ValueError, match="n_dims"):
        make_task("linear", {"n_dims": 0})
    with pytest.raises(ValueError, match="'scale'"):
        make_task("relu_net", {"n_dims": 3, "scale": "paper"})
    assert validate_task_config("t", "linear", {"n_dims": 3}) == []
    errors = validate_task_config("t", "sparse_parity", {"n_dims": 4, "k": 7, "bogus": 1})
    assert len(errors) == 1 and "'bogus'" in errors[0] and errors[0].startswith("task 't'")
    assert "unknown kind" in validate_task_config("t", "nope", {})[0]
    assert validate_task_config("t", "noisy_linear", {"n_dims": 2, "noise_var": -1})
    assert validate_task_config("t", "many_outlier", {"n_dims": 2, "outlier_prob": 1.5})
    assert validate_task_config("t", "linear", {"n_dims": True})
    assert task_defaults("relu_net") == {"hidden": 100, "scale": "garg"}


def _parity_pairs(xs: torch.Tensor, ys: torch.Tensor) -> list[tuple[int, int]]:
    """The coordinate pair whose product labels each prompt: xs (B, N, d), ys (B, N, 1)."""
    d = xs.shape[-1]
    pairs = []
    for b in range(xs.shape[0]):
        (pair,) = [(i, j) for i in range(d) for j in range(i + 1, d) if torch.equal(xs[b, :, i] * xs[b, :, j], ys[b, :, 0])]
        pairs.append(pair)
    return pairs


def test_sparse_parity_training_subsets_per_prompt_and_per_batch():
    per_prompt = make_task("sparse_parity", {"n_dims": 6, "k": 2})
    same_draw = per_prompt.training_batch(64, 40, gen(3))
    reference = per_prompt.sample(64, 40, gen(3))
    assert torch.equal(same_draw.xs, reference.xs) and torch.equal(same_draw.ys, reference.ys)
    assert len(set(_parity_pairs(same_draw.xs, same_draw.ys))) > 1

    per_batch = make_task("sparse_parity", {"n_dims": 6, "k": 2, "train_subsets": "per_batch"})
    batch = per_batch.training_batch(64, 40, gen(3))
    assert len(set(_parity_pairs(batch.xs, batch.ys))) == 1
    # evaluation prompts still draw one subset per prompt
    evaluation = per_batch.sample(64, 40, gen(3))
    assert len(set(_parity_pairs(evaluation.xs, evaluation.ys))) > 1
    # under a curriculum the shared subset lies among the active coordinates
    small = per_batch.training_batch(32, 40, gen(4), d_active=3)
    (pair,) = set(_parity_pairs(small.xs[..., :3], small.ys))
    assert max(pair) < 3
