"""Mamba v1 selective scan: a fast portable torch path, mamba-ssm's CUDA kernel, and a reference.

Semantics (as mamba-ssm's ``selective_scan_fn``), for every batch b, channel d and state n::

    delta <- softplus(delta + delta_bias)          (each step optional)
    h_t = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t
    y_t = <C_t, h_t> + D * u_t;   y <- y * silu(z)  (if z given)

Shapes: u, delta, z (B, D, L); A (D, N); B, C (B, N, L); D, delta_bias (D,). Returns y (B, D, L).

The portable path (``_StateScan``) is an autograd Function with a hand-written backward. It loops
over time steps, but each step is a handful of vectorised in-place ops on one (B, N, D) state slab
that stays in cache (no (B, L, D, N) tensor is ever built), so the cost is linear in L with a small
constant. Forward keeps only a state checkpoint every ``CHECKPOINT_EVERY`` steps; backward recomputes
one segment of states at a time and runs the adjoint recurrence backwards in time, with all parameter
gradients as per-step reductions. Decays are only ever products of a_t = exp(delta_t A) <= 1
(A < 0, delta >= 0), so nothing overflows at extreme step sizes. It works channels-last internally
(``_scan_channels_last``: (B, L, X) tensors, as the Mamba mixer's projections produce them).
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F

BACKENDS = ("auto", "torch", "cuda", "sequential")


# ----------------------------------------------------------------------------- kernels (optional)
@functools.lru_cache(maxsize=1)
def cuda_kernels() -> tuple:
    """(selective_scan_fn or None, causal_conv1d_fn or None): mamba-ssm / causal-conv1d if they import."""
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
    except Exception:  # not installed, or built without CUDA
        selective_scan_fn = None
    try:
        from causal_conv1d import causal_conv1d_fn
    except Exception:
        causal_conv1d_fn = None
    return selective_scan_fn, causal_conv1d_fn


def resolve_backend(backend: str, device: torch.device | str) -> str:
    """The scan path actually used for tensors on ``device``: 'cuda', 'torch' or 'sequential'.

    'auto' picks mamba-ssm's kernel only if the device is CUDA, CUDA is available and mamba-ssm imports.
    """
    if backend not in BACKENDS:
        raise ValueError(f"scan: unknown backend {backend!r} (allowed: {', '.join(BACKENDS)})")
    on_cuda = torch.device(device).type == "cuda" and torch.cuda.is_available()
    have_kernel = cuda_kernels()[0] is not None
    if backend == "auto":
        return "cuda" if on_cuda and have_kernel else "torch"
    if backend == "cuda" and not (on_cuda and have_kernel):
        raise RuntimeError(
            "scan: 'cuda' needs tensors on a CUDA device and mamba-ssm installed "
            f"(device={device}, cuda available={torch.cuda.is_available()}, mamba-ssm={have_kernel})"
        )
    return backend


# ----------------------------------------------------------------------------- shared pieces
def _prepare_delta(delta: torch.Tensor, delta_bias: torch.Tensor | None, softplus: bool) -> torch.Tensor:
    if delta_bias is not None:
        delta = delta + delta_bias[:, None]  # (B, D, L)
    return F.softplus(delta) if softplus else delta


def _finish(y: torch.Tensor, u: torch.Tensor, D: torch.Tensor | None, z: torch.Tensor | None) -> torch.Tensor:
    if D is not None:
        y = y + D[:, None] * u
    return y * F.silu(z) if z is not None else y


def _check_shapes(u, delta, A, B, C) -> None:
    b, d, length = u.shape
    n = A.shape[1]
    if delta.shape != u.shape or A.shape != (d, n) or B.shape != (b, n, length) or C.shape != (b, n, length):
        raise ValueError(
            f"selective_scan: expected u, delta (B,D,L), A (D,N), B, C (B,N,L); got u {tuple(u.shape)}, "
            f"delta {tuple(delta.shape)}, A {tuple(A.shape)}, B {tuple(B.shape)}, C {tuple(C.shape)}"
        )


# ----------------------------------------------------------------------------- reference
def selective_scan_sequential(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """Plain per-time-step loop with autograd: the test oracle (slow; short sequences only)."""
    _check_shapes(u, delta, A, B, C)
    delta = _prepare_delta(delta, delta_bias, delta_softplus)
    decay = torch.exp(delta.unsqueeze(-1) * A.unsqueeze(1))  # (B, D, L, N)
    drive = (delta * u).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(1)  # (B, D, L, N)
    h = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])  # (B, D, N)
    ys = []
    for a_t, x_t, c_t in zip(decay.unbind(2), drive.unbind(2), C.unbind(2)):
        h = a_t * h + x_t
        ys.append((h * c_t.unsqueeze(1)).sum(-1))  # (B, D)
    return _finish(torch.stack(ys, dim=-1), u, D, z)


# ----------------------------------------------------------------------------- fast portable scan
LOG2E = math.log2(math.e)
CHECKPOINT_EVERY = 16  # forward keeps the state every this many steps; backward recomputes in between


def _decay_(out: torch.Tensor, dt_t: torch.Tensor, A2t: torch.Tensor) -> torch.Tensor:
    """out (b, N, D) <- exp(dt_t A) = exp2(dt_t * A * log2 e); dt_t (b, D), A2t (N, D). exp2 beats exp."""
    return torch.mul(dt_t.unsqueeze(1), A2t, out=out).exp2_()


class _StateScan(torch.autograd.Function):
    """y = <C_t, h_t> with h_t = exp(delta_t A) h_{t-1} + delta_t u_t B_t, in channels-last layout.

    u, delta (B, L, D), B, C (B, L, N), A (D, N) -> y (B, L, D); inputs of any strides (a (B, L, X)
    contiguous tensor, or a transposed (B, X, L) one, which costs a real transpose).

    Internally time-major (L, B, X), so each step reads contiguous slices. The state is one
    (B, N, D) slab, updated in place once per time step by a few vectorised ops that stay in cache;
    no (B, L, D, N) tensor is ever materialised. Every ``CHECKPOINT_EVERY`` steps forward keeps the
    state; backward recomputes one segment of states at a time from its checkpoint and runs the
    adjoint recurrence g_{t-1} = a_t g_t + C_{t-1} gy_{t-1} backwards in time, accumulating all
    parameter gradients as per-step reductions. Decays are products of a_t = exp(delta_t A) <= 1
    (A < 0, delta >= 0): nothing overflows at any step size. In the (B, N, D) layout every reduction
    is a batched vector-matrix product: over N (y_t, dL/d(delta_t u_t)) (1 x N) @ (N x D), over D
    (dL/dB_t, dL/dC_t) (1 x D) @ (D x N), both far faster on CPU than mul + sum or matrix-vector.
    """

    @staticmethod
    def forward(ctx, u, delta, A, B, C):
        b, length, d = u.shape
        n, T = A.shape[1], CHECKPOINT_EVERY
        ut, dt, Bt, Ct = (t.transpose(0, 1).contiguous() for t in (u, delta, B, C))  # (L, B, X)
        dtu = dt * ut
        A2t = (A * LOG2E).T.contiguous()  # (N, D)
        ckpt = u.new_empty(-(-length // T), b, n, d)  # state entering each segment
        h, a = u.new_zeros(b, n, d), u.new_empty(b, n, d)
        y = u.new_empty(length, b, 1, d)
        for t in range(length):
            if t % T == 0:
                ckpt[t // T].copy_(h)
            h.mul_(_decay_(a, dt[t], A2t)).addcmul_(Bt[t].unsqueeze(-1), dtu[t].unsqueeze(1))
            torch.bmm(Ct[t].unsqueeze(1), h, out=y[t])  # (b, 1, N) @ (b, N, D)
        ctx.save_for_backward(ut, dt, A, Bt, Ct, ckpt)
        return y.view(length, b, d).transpose(0, 1)  # (B, L, D)

    @staticmethod
    def backward(ctx, gy):
        ut, dt, A, Bt, Ct, ckpt = ctx.saved_tensors
        (length, b, d), n, T = ut.shape, A.shape[1], CHECKPOINT_EVERY
        gyt = gy.transpose(0, 1).contiguous()  # (L, B, D)
        dtu = dt * ut
        A2t, At = (A * LOG2E).T.contiguous(), A.T.contiguous()  # (N, D)
        seg = min(T, length)
        H = ut.new_empty(seg + 1, b, n, d)  # states h_{s0-1} .. h_{s1-1} of the current segment
        a = ut.new_empty(seg, b, n, d)  # decays a_t of the segment
        q = ut.new_empty(b, n, d)  # dL/d(log a_t) = a_t g_t h_{t-1}
        g = ut.new_zeros(b, n, d)  # adjoint: dL/dh_t (before the C_t gy_t term is added: a_{t+1} g_{t+1})
        gA = ut.new_zeros(b, n, d)  # sum over t of delta_t dL/d(log a_t), reduced over the batch at the end
        grad_B, grad_C = ut.new_empty(length, b, 1, n), ut.new_empty(length, b, 1, n)
        grad_dtu, grad_dt = ut.new_empty(length, b, 1, d), ut.new_empty(length, b, d)
        for c in range(ckpt.shape[0] - 1, -1, -1):
            s0 = c * T
            m = min(length, s0 + T) - s0
            H[0].copy_(ckpt[c])
            for i in range(m):  # recompute the segment's decays and states
                t = s0 + i
                torch.mul(H[i], _decay_(a[i], dt[t], A2t), out=H[i + 1]).addcmul_(Bt[t].unsqueeze(-1), dtu[t].unsqueeze(1))
            for i in range(m - 1, -1, -1):
                t = s0 + i
                g.addcmul_(Ct[t].unsqueeze(-1), gyt[t].unsqueeze(1))  # g = dL/dh_t
                torch.bmm(gyt[t].unsqueeze(1), H[i + 1].transpose(1, 2), out=grad_C[t])  # (b, 1, D) @ (b, D, N)
                torch.bmm(dtu[t].unsqueeze(1), g.transpose(1, 2), out=grad_B[t])
                torch.bmm(Bt[t].unsqueeze(1), g, out=grad_dtu[t])  # (b, 1, N) @ (b, N, D)
                g.mul_(a[i])  # a_t g_t: the carry into step t-1
                torch.mul(g, H[i], out=q)
                gA.addcmul_(q, dt[t].unsqueeze(1))  # d a_t / d A = delta_t a_t
                torch.sum(q.mul_(At), 1, out=grad_dt[t])  # d a_t / d delta_t = A a_t
        grad_dtu = grad_dtu.view(length, b, d)
        grad_u = (grad_dtu * dt).transpose(0, 1)
        grad_delta = torch.addcmul(grad_dt, grad_dtu, ut).transpose(0, 1)
        grad_B, grad_C = (t.view(length, b, n).transpose(0, 1) for t in (grad_B, grad_C))
        return grad_u, grad_delta, gA.sum(0).T, grad_B, grad_C


def _scan_channels_last(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """selective_scan_torch on (B, L, X) tensors: u, delta, z (B, L, D); B, C (B, L, N) -> y (B, L, D)."""
    if delta_bias is not None:
        delta = delta + delta_bias
    if delta_softplus:
        delta = F.softplus(delta)
    y = _StateScan.apply(u, delta, A, B, C)
    if D is not None:
        y = torch.addcmul(y, u, D)
    return y * F.silu(z) if z is not None else y


def selective_scan_torch(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """The portable scan (CPU or GPU), same semantics as ``selective_scan_sequential``."""
    _check_shapes(u, delta, A, B, C)
    cl = lambda t: t.transpose(1, 2) if t is not None else None  # (B, X, L) -> (B, L, X), a view
    y = _scan_channels_last(cl(u), cl(delta), A, cl(B), cl(C), D, cl(z), delta_bias, delta_softplus)
    return y.transpose(1, 2)


def selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, backend="auto"):
    """Selective scan on the path ``resolve_backend(backend, u.device)`` picks. Returns y (B, D, L)."""
    path = resolve_backend(backend, u.device)
    if path == "cuda":
        kernel = cuda_kernels()[0]
        return kernel(u, delta, A, B, C, D, z, delta_bias, delta_softplus)
    fn = selective_scan_sequential if path == "sequential" else selective_scan_torch
    return fn(u, delta, A, B, C, D, z, delta_bias, delta_softplus)
