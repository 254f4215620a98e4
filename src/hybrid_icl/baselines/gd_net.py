"""A 2-layer ReLU network trained by gradient descent on each prefix, all prompts at once.

For every prefix length k, each prompt gets its own net f(x) = relu(x W1 + b1) w2 + b2 (hidden
width ``hidden``), trained by Adam on its k examples for ``steps`` steps from the SAME initial
weights (drawn once from ``init_seed``, PyTorch's default uniform(+-1/sqrt(fan_in)) init). Each
step uses ``batch_size`` of the k examples (the same random positions for every prompt, as Garg et
al.'s GDModel), or all of them when k <= batch_size or batch_size is None. The weights of all
prompts are stacked into batched tensors (B, ...); the loss is the SUM over prompts of each
prompt's mean squared error, so every prompt's gradient, and hence its Adam trajectory
(elementwise), is exactly that of training it alone. One optimisation per k.
Defaults are Garg et al.'s relu_2nn_regression baseline (src/models.py: Adam, lr 5e-3, batch 100,
hidden 100) with the 1000 steps the hybrid paper's figure caption states (Garg's list uses 100).
Cost ~ 6 * steps * B * hidden * d * N^2 / 2 flops.
"""

from __future__ import annotations

import torch

from ._prefix import as_float64


def init_net(n_prompts: int, d: int, hidden: int, dy: int, seed: int) -> list[torch.Tensor]:
    """Initial weights [W1 (B,d,h), b1 (B,1,h), W2 (B,h,dy), b2 (B,1,dy)], float64, one net per prompt."""
    gen = torch.Generator().manual_seed(seed)

    def uniform(shape: tuple[int, ...], fan_in: int) -> torch.Tensor:
        bound = fan_in**-0.5
        return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound

    return [
        uniform((n_prompts, d, hidden), d),
        uniform((n_prompts, 1, hidden), d),
        uniform((n_prompts, hidden, dy), hidden),
        uniform((n_prompts, 1, dy), hidden),
    ]


def net_forward(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """x (B, n, d) -> (B, n, dy) with each prompt's own weights."""
    w1, b1, w2, b2 = params
    return torch.relu(x @ w1 + b1) @ w2 + b2


def train_nets(
    params: list[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    lr: float,
    batch_size: int | None = None,
    generator: torch.Generator | None = None,
) -> list[torch.Tensor]:
    """Adam on each prompt's mean squared error over x (B, k, d), y (B, k, dy); returns trained copies
    of the weights. With ``batch_size`` < k, each step uses that many random positions (shared by all
    prompts, drawn from ``generator``)."""
    params = [p.clone().requires_grad_(True) for p in params]
    opt = torch.optim.Adam(params, lr=lr)
    k = x.shape[1]
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        xb, yb = x, y
        if batch_size is not None and batch_size < k:
            rows = torch.randperm(k, generator=generator)[:batch_size]
            xb, yb = x[:, rows], y[:, rows]
        loss = (net_forward(params, xb) - yb).pow(2).mean(dim=(1, 2)).sum()
        loss.backward()
        opt.step()
    return [p.detach() for p in params]


def gd_net(
    xs,
    ys,
    hidden: int = 100,
    steps: int = 1000,
    lr: float = 5e-3,
    batch_size: int | None = 100,
    init_seed: int = 0,
) -> torch.Tensor:
    """(B, N, dy) predictions of per-prompt 2-layer ReLU nets trained on each prefix; 0 at k = 0."""
    if hidden < 1 or steps < 0 or not lr > 0 or (batch_size is not None and batch_size < 1):
        raise ValueError(
            f"gd_net needs hidden >= 1, steps >= 0, lr > 0, batch_size >= 1 or None; "
            f"got {hidden}, {steps}, {lr}, {batch_size}"
        )
    xs, ys = as_float64(xs, ys)
    b, n, d = xs.shape
    init = init_net(b, d, hidden, ys.shape[-1], init_seed)
    batches = torch.Generator().manual_seed(init_seed)
    preds = torch.zeros_like(ys)
    with torch.enable_grad():
        for k in range(1, n):
            trained = train_nets(init, xs[:, :k], ys[:, :k], steps, lr, batch_size, batches)
            with torch.no_grad():
                preds[:, k] = net_forward(trained, xs[:, k : k + 1])[:, 0]
    return preds
