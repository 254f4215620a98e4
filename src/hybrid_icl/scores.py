"""Error curves with confidence intervals and the ICL regression score.

Uncertainty comes from two sources: the evaluation prompts and the training seeds. Intervals use
a paired, two-level bootstrap: resample seeds, then prompts within each seed; the same resampling
is applied to the model, the zero predictor and the reference baseline, so their differences keep
their correlation.
"""

from __future__ import annotations

import numpy as np

# The reference must beat the zero predictor by more than this fraction of the zero predictor's
# summed error, or the score is undefined (NaN): below it the ratio only amplifies noise. It catches
# references equal to zero up to float32 round-off, e.g. least squares on a query orthogonal to
# every context input (measured gap: 1.4e-6 of the zero error).
REFERENCE_GAIN_RTOL = 1e-4


def icl_score(model: np.ndarray, zero: np.ndarray, base: np.ndarray) -> np.ndarray:
    """S = sum_k (e_model - e_zero) / sum_k (e_base - e_zero) over the last axis (k).

    1 means as good as the reference baseline, 0 as good as predicting zero. Undefined (NaN) when
    the reference is no better than the zero predictor (the denominator vanishes).
    """
    gain = (base - zero).sum(-1)
    tiny = np.abs(gain) <= REFERENCE_GAIN_RTOL * np.maximum(np.abs(zero).sum(-1), 1e-300)
    return np.where(tiny, np.nan, (model - zero).sum(-1) / np.where(tiny, 1.0, gain))


def bootstrap_weights(n_seeds: int, n_prompts: int, n_boot: int, seed: int = 0) -> np.ndarray:
    """Resampling weights (n_boot, S, P) of a two-level bootstrap; each replicate's weights sum to 1."""
    rng = np.random.default_rng(seed)
    seed_counts = rng.multinomial(n_seeds, np.full(n_seeds, 1.0 / n_seeds), size=n_boot)  # (B, S)
    prompt_counts = rng.multinomial(n_prompts, np.full(n_prompts, 1.0 / n_prompts), size=(n_boot, n_seeds))
    weights = seed_counts[:, :, None] * prompt_counts  # (B, S, P)
    return weights / weights.sum(axis=(1, 2), keepdims=True)


def resampled_curves(errors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """errors (S, P, K), weights (B, S, P) -> bootstrap replicate mean curves (B, K)."""
    return np.einsum("bsp,spk->bk", weights, errors)


def interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the first axis."""
    tail = (1.0 - confidence) / 2.0
    return np.quantile(replicates, tail, axis=0), np.quantile(replicates, 1.0 - tail, axis=0)


def curve_with_interval(errors: np.ndarray, weights: np.ndarray, confidence: float = 0.95):
    """errors (S, P, K) -> (mean (K,), low (K,), high (K,))."""
    low, high = interval(resampled_curves(errors, weights), confidence)
    return errors.mean(axis=(0, 1)), low, high


def score_replicates(
    model: np.ndarray, zero: np.ndarray, base: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """ICL score of errors (S, P, K) each at the mean, and its bootstrap replicates (B,) under ``weights``.

    Scores of several models computed with the same weights are paired: their differences keep
    the correlation that shared prompts and seeds give them.
    """
    point = float(icl_score(model.mean(axis=(0, 1)), zero.mean(axis=(0, 1)), base.mean(axis=(0, 1))))
    replicates = icl_score(
        resampled_curves(model, weights), resampled_curves(zero, weights), resampled_curves(base, weights)
    )
    return point, replicates


def finite_interval(point: float, replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """(point, low, high) from bootstrap replicates, ignoring undefined ones; NaNs when the point is undefined."""
    finite = replicates[np.isfinite(replicates)]
    if not np.isfinite(point) or finite.size == 0:
        return point, np.nan, np.nan
    low, high = interval(finite, confidence)
    return point, float(low), float(high)


def score_with_interval(
    model: np.ndarray, zero: np.ndarray, base: np.ndarray, weights: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """ICL score of errors (S, P, K) each, with its bootstrap interval: (score, low, high)."""
    return finite_interval(*score_replicates(model, zero, base, weights), confidence)
