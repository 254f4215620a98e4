"""Least squares for every prefix at once: minimum-norm OLS, ridge, and the Bayes posterior mean.

Fast exact scheme, batched over prompts, float64:

* k <= d (under-determined): with the QR factorisation X^T = Q R of the whole prompt (d x N), the
  first k columns of R factor the first k inputs, so the minimum-norm solution of every prefix
  comes from ONE forward substitution R^T a = y: the prediction at k is sum_{i<k} R[i, k] a[i].
* k > d (over-determined) and ridge: R and z = Q^T y of the prefix are updated by Givens rotations
  as each row is appended (sequential QR, numerically stable); the rotations of row k also yield
  its a-priori residual y_k - x_k . w_k, hence the prediction (see ``_sequential_qr``).
  Ridge is least squares on the prefix augmented by the rows sqrt(alpha) I (R starts at sqrt(alpha) I).

Prefixes that are (numerically) rank-deficient -- repeated inputs, zeroed curriculum dimensions --
fall back to LAPACK's SVD solver (``gelsd``, NumPy's default rcond), so results always equal the
minimum-norm ``numpy.linalg.lstsq`` solution.
"""

from __future__ import annotations

import torch

from ._prefix import as_float64

RTOL = 1e-8  # relative size of a triangular pivot below which a prefix counts as rank-deficient


def _min_norm_underdetermined(xs: torch.Tensor, ys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions and well-posedness for k = 0 .. K-1 with K = min(d, N-1) + 1; (B, K, dy), (B, K)."""
    b, n, d = xs.shape
    k_max = min(d, n - 1)  # largest k handled here; needs a[0 .. k_max-1]
    if k_max == 0:
        return torch.zeros(b, 1, ys.shape[-1], dtype=xs.dtype), torch.ones(b, 1, dtype=torch.bool)
    _, r = torch.linalg.qr(xs.transpose(1, 2))  # r (B, min(d, N), N), upper trapezoidal
    pivots = r.diagonal(dim1=1, dim2=2)[:, :k_max].abs()  # (B, k_max)
    norms = xs[:, :k_max].norm(dim=-1)
    degenerate = ~(pivots > RTOL * norms)  # x_i (numerically) in the span of x_0 .. x_{i-1}
    bad_before = torch.cat([torch.zeros(b, 1, dtype=torch.bool), degenerate.cummax(1).values], 1)  # (B, K)
    r_tri = r[:, :k_max, :k_max]
    a = torch.linalg.solve_triangular(r_tri.transpose(1, 2), ys[:, :k_max], upper=False)  # (B, k_max, dy)
    a = torch.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)  # only reached by flagged prefixes
    coef = torch.triu(r[:, :k_max, : k_max + 1], diagonal=1)  # [i, k] = R[i, k] for i < k
    return coef.transpose(1, 2) @ a, ~bad_before


def _sequential_qr(
    xs: torch.Tensor, ys: torch.Tensor, r: torch.Tensor, z: torch.Tensor, first: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions x_k . R_k^{-1} z_k for k = first .. N-1, where (r (B,d,d), z (B,d,dy)) summarise rows < first.

    Each row k is appended to the triangular system [R | z] by d Givens rotations. The same
    rotations applied to the probe row [x_k | 0] leave -gamma_k x_k . w_k in its label slot, with
    w_k the solution BEFORE row k and gamma_k the product of the rotations' cosines (the "a-priori
    error" identity of QR recursive least squares), so the prediction needs no triangular solve and
    never touches y_k.
    Rotations of consecutive rows are pipelined (row k works on R row i while row k+1 works on
    R row i-1: a systolic wavefront), so the Python loop runs (N - first) + d - 1 batched steps.

    Returns preds (B, N - first, dy) and well-posedness flags (B, N - first).
    """
    b, n, d = xs.shape
    rows = n - first
    if rows <= 0:
        return xs.new_zeros(b, 0, ys.shape[-1]), torch.zeros(b, 0, dtype=torch.bool)
    # Batch axis last, and the incoming rows stored in REVERSE order (slot q holds row rows-1-q): the
    # (row, R-row) pairs active at one wavefront step are then two aligned contiguous slices.
    tri = torch.cat([r, z], -1).permute(1, 2, 0).contiguous()  # (d, d + dy, B): augmented system [R | z]
    dy = ys.shape[-1]
    rows_in = torch.cat([xs[:, first:], ys[:, first:], torch.zeros_like(ys[:, first:])], -1)  # [x | y | probe]
    work = rows_in.flip(1).permute(1, 2, 0).contiguous()  # (rows, d + 2 dy, B)
    gamma = xs.new_ones(rows, b)
    pivots = xs.new_zeros(rows, d, b)  # |R_ii| as seen by each row: the conditioning of its prefix
    for t in range(rows + d - 1):
        m_lo, m_hi = max(0, t - d + 1), min(t, rows - 1)  # active rows; row m works on R row t - m
        i_sl = slice(t - m_hi, t - m_lo + 1)
        q_sl = slice(rows - 1 - m_hi, rows - m_lo)
        top, bot = tri[i_sl], work[q_sl, : d + dy]  # (P, d + dy, B) each; both zero left of their pivot
        rii = top.diagonal(offset=i_sl.start, dim1=0, dim2=1).T  # (P, B)
        xi = bot.diagonal(offset=i_sl.start, dim1=0, dim2=1).T
        h = torch.hypot(rii, xi)
        inv = 1.0 / torch.where(h > 0, h, torch.ones_like(h))
        c = torch.where(h > 0, rii * inv, torch.ones_like(h))
        s = xi * inv
        pivots[q_sl, i_sl].diagonal(dim1=0, dim2=1).copy_(rii.abs().T)
        new_top = c.unsqueeze(1) * top + s.unsqueeze(1) * bot
        probe = work[q_sl, d + dy :]
        work[q_sl, d + dy :] = c.unsqueeze(1) * probe - s.unsqueeze(1) * top[:, d:]
        work[q_sl, : d + dy] = c.unsqueeze(1) * bot - s.unsqueeze(1) * top
        tri[i_sl] = new_top
        gamma[q_sl] *= c
    probe = work[:, d + dy :].flip(0).permute(2, 0, 1)  # (B, rows, dy), back in row order
    preds = -probe / gamma.flip(0).T.unsqueeze(-1)
    ok = (pivots.amin(1) > RTOL * pivots.amax(1)).flip(0).T & (gamma.flip(0).T.abs() > 0)
    return torch.nan_to_num(preds, nan=0.0, posinf=0.0, neginf=0.0), ok


def _exact_fallback(xs: torch.Tensor, ys: torch.Tensor, preds: torch.Tensor, ok: torch.Tensor) -> torch.Tensor:
    """Recompute the flagged (prompt, k) predictions with LAPACK gelsd (minimum norm, SVD)."""
    for k in torch.nonzero((~ok).any(0)).flatten().tolist():
        idx = torch.nonzero(~ok[:, k]).flatten()
        if k == 0:
            preds[idx, 0] = 0.0
            continue
        sol = torch.linalg.lstsq(xs[idx, :k], ys[idx, :k], driver="gelsd").solution  # (b, d, dy)
        preds[idx, k] = torch.einsum("bd,bdo->bo", xs[idx, k], sol)
    return preds


def least_squares(xs, ys) -> torch.Tensor:
    """Minimum-norm ordinary least squares on each prefix; (B, N, dy), 0 at k = 0."""
    xs, ys = as_float64(xs, ys)
    b, n, d = xs.shape
    under, ok_under = _min_norm_underdetermined(xs, ys)
    first = under.shape[1]  # = min(d, N-1) + 1
    if first < n:
        q, r = torch.linalg.qr(xs[:, :first])  # first = d + 1 rows: r (B, d, d)
        over, ok_over = _sequential_qr(xs, ys, r, q.transpose(1, 2) @ ys[:, :first], first)
        under, ok_under = torch.cat([under, over], 1), torch.cat([ok_under, ok_over], 1)
    return _exact_fallback(xs, ys, under, ok_under)


def ridge(xs, ys, alpha: float = 1.0) -> torch.Tensor:
    """Ridge regression on each prefix: argmin_w ||X_k w - y_k||^2 + alpha ||w||^2 (no intercept).

    alpha = 0 is its limit, minimum-norm least squares."""
    if not alpha >= 0:
        raise ValueError(f"ridge alpha must be >= 0, got {alpha!r}")
    if alpha == 0:
        return least_squares(xs, ys)
    xs, ys = as_float64(xs, ys)
    b, _, d = xs.shape
    r0 = (alpha**0.5) * torch.eye(d, dtype=xs.dtype).expand(b, d, d)
    z0 = xs.new_zeros(b, d, ys.shape[-1])
    preds, _ = _sequential_qr(xs, ys, r0, z0, first=0)
    return preds


def bayes(xs, ys, noise_var: float, prior_var: float = 1.0) -> torch.Tensor:
    """Posterior mean for y = w.x + N(0, noise_var) with w ~ N(0, prior_var I): ridge, alpha = noise_var/prior_var.

    Bayes-optimal under squared error for the noisy linear task. ``noise_var = 0`` gives minimum-norm
    least squares (the posterior mean of the noiseless problem).
    """
    if noise_var < 0 or not prior_var > 0:
        raise ValueError(f"bayes needs noise_var >= 0 and prior_var > 0, got {noise_var!r}, {prior_var!r}")
    return ridge(xs, ys, alpha=noise_var / prior_var)
