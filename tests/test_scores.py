"""ICL regression score and bootstrap intervals on synthetic curves with known answers."""

import numpy as np
import pytest

from hybrid_icl.scores import bootstrap_weights, curve_with_interval, icl_score, score_with_interval


def test_score_is_one_for_reference_and_zero_for_zero_predictor():
    k = np.arange(10)
    zero = np.ones(10)
    base = np.maximum(0.0, 1 - k / 5)
    assert icl_score(base, zero, base) == pytest.approx(1.0)
    assert icl_score(zero, zero, base) == pytest.approx(0.0)


def test_score_of_halfway_curve_is_one_half_and_can_exceed_one():
    zero = np.full(8, 2.0)
    base = np.linspace(2.0, 0.5, 8)
    halfway = zero + 0.5 * (base - zero)
    assert icl_score(halfway, zero, base) == pytest.approx(0.5)
    better = zero + 1.25 * (base - zero)
    assert icl_score(better, zero, base) == pytest.approx(1.25)


def test_score_matches_hand_computation():
    model, zero, base = np.array([1.0, 0.6, 0.3]), np.array([1.0, 1.0, 1.0]), np.array([1.0, 0.5, 0.0])
    # (0 - 0.4 - 0.7) / (0 - 0.5 - 1.0)
    assert icl_score(model, zero, base) == pytest.approx(1.1 / 1.5)


def test_bootstrap_weights_sum_to_one_and_resample_seeds():
    w = bootstrap_weights(n_seeds=3, n_prompts=50, n_boot=200, seed=1)
    assert w.shape == (200, 3, 50)
    np.testing.assert_allclose(w.sum(axis=(1, 2)), 1.0)
    # some replicates must drop a whole seed
    assert (w.sum(axis=2) == 0).any()


def test_interval_covers_mean_and_shrinks_with_more_prompts():
    rng = np.random.default_rng(0)
    widths = []
    for n_prompts in (50, 800):
        errors = rng.exponential(1.0, size=(1, n_prompts, 4))
        weights = bootstrap_weights(1, n_prompts, 500, seed=2)
        mean, low, high = curve_with_interval(errors, weights)
        assert np.all(low <= mean) and np.all(mean <= high)
        widths.append(np.mean(high - low))
    assert widths[1] < widths[0] / 2.5  # ~ 1/sqrt(16) = 1/4


def test_score_interval_coverage_of_known_truth():
    """Errors drawn around curves whose true score is 0.8: the 95% interval covers it most of the time."""
    rng = np.random.default_rng(3)
    k = np.arange(6)
    zero_true, base_true = np.ones(6), np.maximum(0.0, 1 - k / 4)
    model_true = zero_true + 0.8 * (base_true - zero_true)
    hits = 0
    for trial in range(40):
        noise = rng.normal(0, 0.3, size=(2, 200, 6))
        model = model_true + noise
        zero = zero_true + rng.normal(0, 0.3, size=(2, 200, 6))
        base = base_true + 0.0 * noise
        weights = bootstrap_weights(2, 200, 300, seed=trial)
        score, low, high = score_with_interval(model, zero, base, weights)
        hits += low <= 0.8 <= high
    assert hits >= 33


def test_score_is_undefined_when_reference_equals_zero_predictor():
    zero = np.ones(5)
    assert np.isnan(icl_score(np.full(5, 0.5), zero, zero.copy()))
    weights = bootstrap_weights(1, 10, 50)
    errors = np.ones((1, 10, 5))
    score, low, high = score_with_interval(errors * 0.5, errors, errors, weights)
    assert np.isnan(score) and np.isnan(low) and np.isnan(high)
    # equal up to float32 round-off (least squares on a query orthogonal to the context): still undefined
    assert np.isnan(icl_score(np.full(5, 0.5), zero, zero * (1 - 1e-5)))
    assert np.isfinite(icl_score(np.full(5, 0.5), zero, zero * (1 - 1e-3)))


def test_a_tasks_curves_and_scores_do_not_depend_on_what_else_is_summarised():
    """Per-task tables (one figure's target) equal that task's rows of the whole suite's tables."""
    import pandas as pd

    from hybrid_icl.tables import summarise

    rng = np.random.default_rng(3)

    def tidy(task, name_col, names, extra):
        rows = [
            {"task": task, name_col: name, "seed": s, "prompt": p, "k": k, "error": rng.gamma(2.0, 0.5), **extra}
            for name in names for s in (0, 1) for p in range(20) for k in range(4)
        ]
        return pd.DataFrame(rows)

    models = {t: tidy(t, "model", ["m1", "m2"], {"status": "completed"}) for t in ("a", "b")}
    bases = {t: tidy(t, "baseline", ["zero", "ref"], {}) for t in ("a", "b")}
    refs = {t: {"kind": "baseline", "name": "ref"} for t in ("a", "b")}
    alone = summarise(models["b"], bases["b"], {"b": refs["b"]}, n_boot=200)
    together = summarise(pd.concat(models.values()), pd.concat(bases.values()), refs, n_boot=200)
    for one, both in zip(alone, together):
        pd.testing.assert_frame_equal(one.reset_index(drop=True), both[both["task"] == "b"].reset_index(drop=True))
    assert together[1]["low"].lt(together[1]["score"]).all()  # intervals are real, not collapsed


def test_the_markdown_table_names_the_intervals_confidence_level():
    import pandas as pd

    from hybrid_icl.tables import scores_markdown

    scores = pd.DataFrame([{"task": "linear", "model": "gpt2", "reference": "least_squares", "score": 0.9,
                            "low": 0.8, "high": 0.95, "n_seeds": 2, "status": "completed"}])
    assert "0.900 [0.800, 0.950]" in scores_markdown(scores, confidence=0.9)
    assert "its 90% interval" in scores_markdown(scores, confidence=0.9)
    assert "its 99.5% interval" in scores_markdown(scores, confidence=0.995)
