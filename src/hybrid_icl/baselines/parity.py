"""Bayes-optimal prediction for sparse parities, by elimination over GF(2).

Inputs x in {-1, +1}^d are read as bits b = (x < 0); a parity over a subset S has label bit
sum_{i in S} b_i mod 2, i.e. y = prod_{i in S} x_i. Under a uniform prior over the hypotheses, the
Bayes-optimal prediction is the majority vote of the hypotheses consistent with the prefix
(ties -> 0, which scores as a coin flip).

* ``subset_size=None``: all 2^d parities. The consistent set is an affine subspace, so the vote
  is unanimous when b_k lies in the GF(2) row space of the prefix and an exact tie otherwise. An
  incremental, batched Gaussian elimination (d-bit integer masks) decides this: O(N d) tensor steps.
* ``subset_size=s``: the C(d, s) parities of exactly s coordinates (the sparse parity task's prior).
  They are enumerated and eliminated by consistency masks, batched over prompts and positions.
"""

from __future__ import annotations

import itertools

import torch

from ._prefix import as_float64


def _bits(xs: torch.Tensor, ys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, N, d) input bits and (B, N) label bits, as int64."""
    return (xs < 0).long(), (ys[..., 0] < 0).long()


def _by_elimination(xbits: torch.Tensor, ybits: torch.Tensor) -> torch.Tensor:
    """All-parities prior: +-1 where the prefix determines the label, 0 otherwise; (B, N)."""
    b, n, d = xbits.shape
    if d > 52:
        raise ValueError(f"parity elimination packs inputs into 52-bit masks; got d = {d}")
    codes = (xbits << torch.arange(d)).sum(-1)  # (B, N) bit masks
    basis = torch.zeros(b, d, dtype=torch.long)  # basis[:, p]: a row with leading bit p, or 0
    label = torch.zeros(b, d, dtype=torch.long)  # its label bit
    preds = torch.zeros(b, n)
    for k in range(n):
        v, lab = codes[:, k].clone(), torch.zeros(b, dtype=torch.long)
        for p in range(d - 1, -1, -1):
            hit = ((v >> p) & 1).bool() & (basis[:, p] != 0)
            v = torch.where(hit, v ^ basis[:, p], v)
            lab = torch.where(hit, lab ^ label[:, p], lab)
        determined = v == 0
        preds[:, k] = torch.where(determined, 1.0 - 2.0 * lab, torch.zeros_like(preds[:, k]))
        lead = torch.where(determined, 0, torch.floor(torch.log2(v.clamp(min=1).double())).long())
        new = ~determined
        rows = torch.nonzero(new).flatten()
        basis[rows, lead[rows]] = v[rows]
        label[rows, lead[rows]] = lab[rows] ^ ybits[rows, k]
    return preds


def _by_enumeration(xbits: torch.Tensor, ybits: torch.Tensor, subset_size: int) -> torch.Tensor:
    """Prior uniform over the parities of exactly ``subset_size`` coordinates; (B, N)."""
    d = xbits.shape[-1]
    subsets = torch.zeros(0, d, dtype=torch.long)
    combos = list(itertools.combinations(range(d), subset_size))
    if combos:
        subsets = torch.zeros(len(combos), d, dtype=torch.long)
        for h, combo in enumerate(combos):
            subsets[h, list(combo)] = 1
    parity = (xbits @ subsets.T) % 2  # (B, N, H): each hypothesis's label bit
    agree = (parity == ybits.unsqueeze(-1)).long()
    consistent = torch.cat([torch.ones_like(agree[:, :1]), agree.cumprod(1)[:, :-1]], 1)  # all j < k agree
    vote = (consistent * (1 - 2 * parity)).sum(-1)
    return torch.sign(vote).double()


def parity_elimination(xs, ys, subset_size: int | None = None) -> torch.Tensor:
    """(B, N, 1) majority-vote predictions in {-1, 0, +1}."""
    xs, ys = as_float64(xs, ys)
    xbits, ybits = _bits(xs, ys)
    if subset_size is None:
        return _by_elimination(xbits, ybits).double().unsqueeze(-1)
    if not isinstance(subset_size, int) or not 0 <= subset_size <= xs.shape[-1]:
        raise ValueError(f"subset_size must be an integer in [0, d={xs.shape[-1]}], got {subset_size!r}")
    return _by_enumeration(xbits, ybits, subset_size).unsqueeze(-1)
