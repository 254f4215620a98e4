"""Distances between predictors' outputs: identities with the error curves and the closest baseline."""

import numpy as np
import pytest
import torch

from hybrid_icl.distances import (
    TARGETS,
    closest_baselines,
    closest_markdown,
    distance_table,
    load_predictions,
    prediction_distance,
    save_predictions,
)
from hybrid_icl.evaluate import baseline_errors, baseline_predictions
from hybrid_icl.tasks import make_task

N_DIMS, N_POINTS = 3, 8


@pytest.fixture(scope="module")
def linear():
    task = make_task("linear", {"n_dims": N_DIMS})
    prompts = task.sample(64, N_POINTS, torch.Generator().manual_seed(0))
    preds = {name: baseline_predictions(task, prompts, name).numpy() for name in ("zero", "least_squares", "averaging")}
    return task, prompts, preds


def test_a_predictor_is_at_distance_zero_from_itself(linear):
    task, _, preds = linear
    for name, p in preds.items():
        assert np.abs(prediction_distance(task, p, p)).max() == 0.0, name


def test_distance_to_the_targets_is_the_error_of_the_error_curves(linear):
    task, prompts, preds = linear
    for name, p in preds.items():
        np.testing.assert_allclose(prediction_distance(task, p, prompts.ys.numpy()),
                                   baseline_errors(task, prompts, name), rtol=1e-5, atol=1e-7)


def test_distance_of_an_exact_predictor_to_zero_is_the_zero_predictors_error(linear):
    """Noiseless least squares is exact from k = d on: its distance to the zero predictor there
    equals the zero predictor's normalised error; before, it is smaller (it shrinks towards 0)."""
    task, prompts, preds = linear
    to_zero = prediction_distance(task, preds["least_squares"], preds["zero"]).mean(0)
    zero_error = baseline_errors(task, prompts, "zero").mean(0)
    np.testing.assert_allclose(to_zero[N_DIMS:], zero_error[N_DIMS:], rtol=1e-4)
    assert (to_zero[1:N_DIMS] < zero_error[1:N_DIMS]).all()


def test_table_finds_the_baseline_a_model_imitates(linear):
    task, prompts, preds = linear
    rng = np.random.default_rng(0)
    baselines = {seed: {**preds, TARGETS: prompts.ys.numpy()} for seed in (0, 1)}
    models = {("ls_like", s): preds["least_squares"] + 0.01 * rng.standard_normal(preds["zero"].shape)
              for s in (0, 1)}
    models.update({("avg_like", s): preds["averaging"] for s in (0, 1)})
    table = distance_table("linear", task, models, baselines)
    assert set(table["baseline"]) == {"zero", "least_squares", "averaging"}  # targets are not a baseline
    assert len(table) == 2 * 3 * N_POINTS and (table["n_seeds"] == 2).all()
    closest = closest_baselines(table).set_index(["model", "k"])["baseline"]
    assert (closest.loc["ls_like"].loc[N_DIMS:] == "least_squares").all()
    assert (closest.loc["avg_like"].loc[1:] == "averaging").all()
    text = closest_markdown(closest_baselines(table), max_columns=4)
    assert text.count("k = ") == 4 and "ls_like" in text


def test_sign_scored_task_measures_disagreeing_signs():
    task = make_task("sparse_parity", {"n_dims": 4, "k": 2})
    a = np.array([[[1.0], [-2.0], [0.5]]])
    b = np.array([[[3.0], [1.0], [-0.1]]])
    if task.metric == "accuracy":
        np.testing.assert_allclose(prediction_distance(task, a, b), [[0.0, 1.0, 1.0]])
    else:
        np.testing.assert_allclose(prediction_distance(task, a, b), ((a - b) ** 2).mean(-1) / task.error_scale())


def test_predictions_file_round_trip(tmp_path):
    preds = {"least_squares": torch.randn(4, 5, 1, dtype=torch.float64), TARGETS: np.ones((4, 5, 1))}
    save_predictions(tmp_path / "p.npz", preds)
    back = load_predictions(tmp_path / "p.npz")
    assert back["least_squares"].dtype == np.float32 and back[TARGETS].shape == (4, 5, 1)
    np.testing.assert_allclose(back["least_squares"], preds["least_squares"].numpy(), rtol=1e-6)
    save_predictions(tmp_path / "empty.npz", {})
    assert load_predictions(tmp_path / "empty.npz") == {}


def test_figure_has_one_panel_per_model(linear, tmp_path):
    from hybrid_icl.plots import distance_figure, save

    task, prompts, preds = linear
    baselines = {0: {**preds, TARGETS: prompts.ys.numpy()}}
    models = {(name, 0): preds["least_squares"] for name in ("m1", "m2", "m3")}
    fig = distance_figure(distance_table("linear", task, models, baselines), "linear", ["m3", "m1", "m2"])
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["m3", "m1", "m2"]
    assert len(fig.axes[0].get_lines()) == 3
    save(fig, tmp_path / "d.pdf", tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000
