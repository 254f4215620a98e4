"""Sparse parity's metrics: squared error (primary, as the hybrid paper) and Park et al.'s sign
accuracy (secondary), checked against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from hybrid_icl.evaluate import baseline_errors_by_metric, tidy_errors
from hybrid_icl.tables import secondary_summaries, summarise
from hybrid_icl.tasks import make_task


def parity_prompts(n_dims: int, n_prompts: int, n_points: int = 8, seed: int = 0):
    task = make_task("sparse_parity", {"n_dims": n_dims, "k": 2})
    return task, task.sample(n_prompts, n_points, torch.Generator().manual_seed(seed))


def prompt_ignoring(xs: torch.Tensor) -> torch.Tensor:
    """E[y | x_query] when the pair is uniform: ((sum x)^2 - n) / (n (n - 1)), xs (B, N, n) -> (B, N, 1)."""
    n = xs.shape[-1]
    return ((xs.sum(-1, keepdim=True) ** 2 - n) / (n * (n - 1))).float()


def test_zero_predictor_has_squared_error_one_exactly():
    task, p = parity_prompts(6, 50)
    errors = task.pointwise_error(torch.zeros_like(p.ys), p.ys)
    assert torch.equal(errors, torch.ones(50, 8))


@pytest.mark.parametrize("n_dims", [3, 4, 5])
def test_prompt_ignoring_predictor_errs_one_minus_one_over_pairs(n_dims):
    task, p = parity_prompts(n_dims, 20000)
    error = task.pointwise_error(prompt_ignoring(p.xs), p.ys).mean().item()
    expected = 1 - 1 / math.comb(n_dims, 2)  # the pairs' products are orthogonal: E[m^2] = 1 / C(n, 2)
    # per-position errors lie in [0, 4]; 160k draws (correlated only within a prompt's pair) give a
    # standard error below 0.005
    assert abs(error - expected) < 0.015, (error, expected)


def test_sign_error_is_one_minus_sign_accuracy_and_kept_apart():
    task, _ = parity_prompts(4, 1)
    ys = torch.tensor([[[1.0], [-1.0], [1.0], [-1.0]]])
    preds = torch.tensor([[[0.3], [0.2], [0.0], [-4.0]]])
    errors = task.errors_by_metric(preds, ys)
    assert set(errors) == {"error", "sign_error"}
    assert errors["sign_error"].tolist() == [[0.0, 1.0, 0.5, 0.0]]
    torch.testing.assert_close(errors["error"], torch.tensor([[0.49, 1.44, 1.0, 9.0]]))


def test_parity_scores_by_squared_error_with_sign_error_in_its_own_table():
    """The zero predictor as 'model' scores 0 by both metrics, elimination 1; the sign-error score of
    the prompt-ignoring predictor differs from its squared-error score (the metrics are not mixed)."""
    task, p = parity_prompts(4, 200, n_points=12)
    labels = {"task": "parity", "seed": 0}
    base = pd.concat(
        [tidy_errors(baseline_errors_by_metric(task, p, name), baseline=name, **labels) for name in ("zero", "parity_elimination")]
    )
    ignoring = task.errors_by_metric(prompt_ignoring(p.xs), p.ys)
    models = tidy_errors({k: v.numpy() for k, v in ignoring.items()}, model="ignoring", **labels).assign(
        status="completed"
    )
    refs = {"parity": {"kind": "baseline", "name": "parity_elimination"}}
    _, primary = summarise(models, base, refs, n_boot=50)
    _, secondary = secondary_summaries(models, base, refs, ["sign_error"], n_boot=50)
    assert list(secondary["metric"]) == ["sign_error"] and "metric" not in primary.columns
    zero_sq = base.loc[base["baseline"] == "zero"].groupby("k")["error"].mean()
    elim_sq = base.loc[base["baseline"] == "parity_elimination"].groupby("k")["error"].mean()
    mine_sq = models.groupby("k")["error"].mean()
    by_hand = (mine_sq - zero_sq).sum() / (elim_sq - zero_sq).sum()
    assert primary["score"].iloc[0] == pytest.approx(by_hand)
    assert np.isfinite(secondary["score"].iloc[0]) and secondary["score"].iloc[0] != pytest.approx(by_hand)
    curves, none = secondary_summaries(models, base, refs, [], n_boot=50)
    assert none.empty and list(none.columns) == list(secondary.columns)  # one header, each column once
    assert curves.empty and "metric" in curves.columns


def test_stale_error_tables_without_the_secondary_column_fail_clearly():
    frame = pd.DataFrame([{"task": "t", "model": "m", "seed": 0, "prompt": 0, "k": 0, "error": 1.0, "status": "completed"}])
    with pytest.raises(ValueError, match="no column 'sign_error'.*rerun"):
        secondary_summaries(frame, frame.drop(columns="model").assign(baseline="zero"),
                            {"t": {"kind": "baseline", "name": "zero"}}, ["sign_error"])
