"""Sparse parity: x uniform in {-1, +1}^d, y = product of ``k`` coordinates fixed per prompt.

Scored by squared error against y in {-1, +1} (the zero predictor's error is exactly 1; a predictor
that ignores the prompt, E[y | x_query], errs 1 - 1 / C(d, k)), with Park et al.'s sign
accuracy as a secondary metric (``sign_error``).
"""

from __future__ import annotations

from math import comb

import torch

from ._sampling import subset_mask
from .base import Prompts, Task, at_most_n_dims, choice, mask_inactive_dims, positive_int


class SparseParity(Task):
    name = "sparse_parity"
    description = "x uniform in {-1, +1}^d, y = prod_{i in S} x_i with |S| = k random coordinates"
    metric = "mse"  # squared error of the real-valued prediction, as the hybrid paper and its code
    secondary_metrics = ("sign_error",)  # Park et al.'s sign accuracy, tabulated on its own
    default_baseline = "parity_elimination"
    # train_subsets: "per_prompt" draws S for every training prompt (the paper's code); "per_batch"
    # shares one S across a training batch (Park et al.'s code). Evaluation prompts always draw S
    # per prompt.
    PARAMS = {"k": positive_int(2), "train_subsets": choice("per_prompt", ("per_prompt", "per_batch"))}

    relation_errors = at_most_n_dims("k")

    def sample(self, n_prompts, n_points, generator, d_active=None) -> Prompts:
        return self._draw(n_prompts, n_points, generator, d_active, shared_subset=False)

    def training_batch(self, batch_size, n_points, generator, d_active=None) -> Prompts:
        shared = self.train_subsets == "per_batch"
        return self._draw(batch_size, n_points, generator, d_active, shared_subset=shared)

    def _draw(self, n_prompts, n_points, generator, d_active, shared_subset: bool) -> Prompts:
        """xs (B, N, d) in {-1, +1} (0 beyond d_active), ys (B, N, 1); one subset S per prompt, or
        one for all B prompts when ``shared_subset``."""
        d_act = self.active_dims(d_active)
        bits = torch.randint(0, 2, (n_prompts, n_points, self.n_dims), generator=generator)
        xs = mask_inactive_dims(bits.float() * 2 - 1, d_act)
        n_subsets = 1 if shared_subset else n_prompts
        subset = subset_mask(n_subsets, self.n_dims, self.k, d_act, generator).expand(n_prompts, -1)  # (B, d)
        ys = torch.where(subset.unsqueeze(1), xs, torch.ones_like(xs)).prod(-1, keepdim=True)
        return Prompts(xs, ys)

    def baseline_params(self, baseline):
        return {"subset_size": self.k} if baseline == "parity_elimination" else {}

    def prompt_ignoring_error(self, metric: str | None = None) -> float:
        """Error of E[y | x_query] (the prompt-ignoring optimum) relative to predicting 0, by
        ``metric`` (default: the task's primary one, squared error; or "sign_error").

        The C(n, k) parities are orthonormal functions of x, so E[y | x] = mean of them has mean
        square 1 / C(n, k): its squared error is 1 - 1 / C(n, k) (the zero predictor's is 1). Under
        the sign metric the optimum predicts the likelier sign given the number m of +1 coordinates,
        with error min(p, 1 - p), p = P(y = +1 | m); the zero predictor's sign error is 1/2.
        """
        n, k = self.n_dims, self.k
        if (metric or self.metric) != "sign_error":
            return 1.0 - 1.0 / comb(n, k)
        error = 0.0
        for m in range(n + 1):  # m coordinates equal +1, x uniform: P(m) = C(n, m) / 2^n
            even = sum(comb(n - m, j) * comb(m, k - j) for j in range(0, k + 1, 2))  # subsets with an even number of -1
            p_plus = even / comb(n, k)
            error += comb(n, m) / 2**n * min(p_plus, 1.0 - p_plus)
        return error / 0.5
