"""Mamba v1 selective scan: a fast portable torch path, mamba-ssm's CUDA kernel, and a reference.

Semantics (as mamba-ssm's ``selective_scan_fn``), for every batch b, channel d and state n::

    delta <- softplus(delta + delta_bias)          (each step optional)
    h_t = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t
    y_t = <C_t, h_t> + D * u_t;   y <- y * silu(z)  (if z given)

Shapes: u, delta, z (B, D, L); A (D, N); B, C (B, N, L); D, delta_bias (D,). Returns y (B, D, L).

The portable path (``_ChunkedScan``) is an autograd Function with a hand-written backward. It
never loops over single time steps: the recurrence h_t = a_t h_{t-1} + x_t runs chunk-parallel
(a loop over the T positions of a chunk, vectorised across all chunks), then a loop over the
chunks carries the states, then a loop over T adds the carried state, decayed, to every position.
That is ~3*sqrt(L) vectorised steps instead of L. Decays are only ever products of a_t = exp(delta_t A)
<= 1 (A < 0, delta >= 0), so nothing overflows at extreme step sizes. The backward is the same
recurrence run backwards in time (adjoint state), with all parameter gradients as reductions.
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


# ----------------------------------------------------------------------------- chunked recurrence
def chunk_size(length: int) -> int:
    """Positions per chunk: ~sqrt(L) balances the loop over positions against the loop over chunks."""
    return max(1, min(length, math.ceil(math.sqrt(length))))


def _scan_(coef: torch.Tensor, x: torch.Tensor, T: int, reverse: bool = False, decay=None) -> torch.Tensor:
    """In place: x[t] <- coef[t] * x[t-1] + x[t] (x[t+1] if reverse), with x[-1] = 0.

    coef, x: (Lp, M) with Lp a multiple of T. ``decay`` (Lp/T, M), optional: the product of coef
    over each chunk, if the caller has it cheaply. Returns x (now the states).
    """
    nc = x.shape[0] // T
    xc, cc = x.view(nc, T, -1), coef.view(nc, T, -1)  # (nc, T, M)
    steps = range(T - 2, -1, -1) if reverse else range(1, T)
    step = 1 if reverse else -1  # offset of the previous position
    for t in steps:  # 1) every chunk from a zero state, all chunks at once
        xc[:, t].addcmul_(cc[:, t], xc[:, t + step])
    if nc == 1:
        return x
    last = 0 if reverse else T - 1  # a chunk's final position in scan order
    decay = cc.prod(dim=1) if decay is None else decay.view(nc, -1)  # (nc, M): decay across each chunk
    carry = torch.zeros_like(xc[:, 0])  # (nc, M): state entering each chunk
    chunks = range(nc - 2, -1, -1) if reverse else range(1, nc)
    for c in chunks:  # 2) carry the true state across chunk boundaries
        prev = c + step
        torch.addcmul(xc[prev, last], decay[prev], carry[prev], out=carry[c])
    inner = slice(0, nc - 1) if reverse else slice(1, nc)  # chunks that receive a carry
    carry = carry[inner]
    for t in (range(T - 1, -1, -1) if reverse else range(T)):  # 3) add the decayed carry everywhere
        xc[inner, t].add_(carry.mul_(cc[inner, t]))
    return x


LOG2E = math.log2(math.e)
BLOCK_BYTES = 4 * 2**20


def _batch_blocks(batch: int, per_item_bytes: int) -> list[slice]:
    """Split the batch so each block of states stays near BLOCK_BYTES (fresh huge tensors page-fault)."""
    size = max(1, min(batch, BLOCK_BYTES // max(per_item_bytes, 1)))
    return [slice(i, min(i + size, batch)) for i in range(0, batch, size)]


def _chunk_decay(dt: torch.Tensor, A2: torch.Tensor, T: int) -> torch.Tensor:
    """prod_t exp(dt_t A) over each chunk = exp2(A2 * sum_t dt_t): (Lp, b, D) -> (Lp/T, b, D, N)."""
    sums = dt.view(dt.shape[0] // T, T, *dt.shape[1:]).sum(1)  # (nc, b, D)
    return torch.mul(sums.unsqueeze(-1), A2).exp2_()


def _states(dt: torch.Tensor, dtu: torch.Tensor, Bt: torch.Tensor, A2: torch.Tensor, T: int) -> tuple:
    """Decays a_t (Lp+1, b, D, N) (last row: a zero step, i.e. 1) and states h (Lp, b, D, N).

    dt, dtu: (Lp, b, D); Bt: (Lp, b, N); time-major, Lp a multiple of T; A2 = A * log2(e) (D, N).
    """
    dt_ext = F.pad(dt, (0, 0, 0, 0, 0, 1))  # (Lp+1, b, D)
    a_ext = torch.mul(dt_ext.unsqueeze(-1), A2).exp2_()  # (Lp+1, b, D, N); exp2 is faster than exp
    h = dtu.unsqueeze(-1) * Bt.unsqueeze(2)  # (Lp, b, D, N): the drive x_t, scanned in place
    lp = h.shape[0]
    _scan_(a_ext[:lp].view(lp, -1), h.view(lp, -1), T, decay=_chunk_decay(dt, A2, T))
    return a_ext, dt_ext, h


class _ChunkedScan(torch.autograd.Function):
    """y = <C_t, h_t> with h_t = exp(delta_t A) h_{t-1} + delta_t u_t B_t; y (B, D, L).

    Processed in batch blocks; saves only the inputs and recomputes the states in backward.
    """

    @staticmethod
    def _time_major(u, delta, B, C, T):
        """Inputs as padded, time-major, contiguous tensors: dt, dtu (Lp, B, D); Bt, Ct (Lp, B, N)."""
        pad = -u.shape[-1] % T
        tm = lambda t: F.pad(t, (0, pad)).permute(2, 0, 1).contiguous()  # (B, X, L) -> (Lp, B, X)
        return tm(delta), tm(delta * u), tm(B), tm(C)  # zero step and zero drive in the padding

    @staticmethod
    def forward(ctx, u, delta, A, B, C):
        b, d, length = u.shape
        T = chunk_size(length)
        dt, dtu, Bt, Ct = _ChunkedScan._time_major(u, delta, B, C, T)
        A2 = A * LOG2E
        y = u.new_empty(dt.shape[0], b, d)  # (Lp, B, D)
        for sl in _batch_blocks(b, dt.shape[0] * d * A.shape[1] * u.element_size()):
            _, _, h = _states(dt[:, sl], dtu[:, sl], Bt[:, sl], A2, T)  # (Lp, b, D, N)
            y[:, sl] = h.mul_(Ct[:, sl].unsqueeze(2)).sum(-1)  # (Lp, b, D); mul+sum beats a batched mat-vec
        ctx.save_for_backward(u, delta, A, B, C)
        ctx.T = T
        return y[:length].permute(1, 2, 0)  # (B, D, L)

    @staticmethod
    def backward(ctx, gy):
        u, delta, A, B, C = ctx.saved_tensors
        T, (b, d, length), n = ctx.T, u.shape, A.shape[1]
        dt, dtu, Bt, Ct = _ChunkedScan._time_major(u, delta, B, C, T)
        lp = dt.shape[0]
        gy_t = F.pad(gy, (0, lp - length)).permute(2, 0, 1).contiguous()  # (Lp, B, D)
        grad_dtu, grad_dt = torch.empty_like(dt), torch.empty_like(dt)  # (Lp, B, D)
        grad_B, grad_C = torch.empty_like(Bt), torch.empty_like(Ct)  # (Lp, B, N)
        grad_A = torch.zeros_like(A)
        A2 = A * LOG2E
        for sl in _batch_blocks(b, lp * d * n * u.element_size()):
            a_ext, dt_ext, h = _states(dt[:, sl], dtu[:, sl], Bt[:, sl], A2, T)  # (Lp+1, b, D, N), (Lp, b, D, N)
            # adjoint dh_t = dL/dh_t: dh_t = C_t gy_t + a_{t+1} dh_{t+1}, a reverse-time scan
            dh = gy_t[:, sl].unsqueeze(-1) * Ct[:, sl].unsqueeze(2)  # (Lp, b, D, N)
            decay_next = _chunk_decay(dt_ext[1:], A2, T)  # coefficients a_{t+1}, per chunk
            _scan_(a_ext[1:].view(lp, -1), dh.view(lp, -1), T, reverse=True, decay=decay_next)
            grad_C[:, sl] = torch.matmul(gy_t[:, sl].unsqueeze(-2), h).squeeze(-2)  # (Lp, b, N)
            grad_B[:, sl] = torch.matmul(dtu[:, sl].unsqueeze(-2), dh).squeeze(-2)  # (Lp, b, N)
            grad_dtu[:, sl] = (dh * Bt[:, sl].unsqueeze(2)).sum(-1)  # (Lp, b, D)
            # d(log decay)_t = dh_t * a_t * h_{t-1}  (h_{-1} = 0)
            dlog = dh[1:].mul_(a_ext[1:lp]).mul_(h[:-1])  # (Lp-1, b, D, N), for t = 1..Lp-1
            grad_dt[0, sl] = 0
            grad_dt[1:, sl] = (dlog * A).sum(-1)  # (Lp-1, b, D)
            grad_A += (dlog * dt[1:, sl].unsqueeze(-1)).sum(dim=(0, 1))  # (D, N)
        to_bdl = lambda t: t[:length].permute(1, 2, 0)  # (Lp, B, X) -> (B, X, L)
        grad_u = to_bdl(grad_dtu * dt)
        grad_delta = to_bdl(grad_dt + grad_dtu * F.pad(u, (0, lp - length)).permute(2, 0, 1))
        return grad_u, grad_delta, grad_A, to_bdl(grad_B), to_bdl(grad_C)


def selective_scan_torch(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """The portable chunked scan (CPU or GPU), same semantics as ``selective_scan_sequential``."""
    _check_shapes(u, delta, A, B, C)
    delta = _prepare_delta(delta, delta_bias, delta_softplus)
    return _finish(_ChunkedScan.apply(u, delta, A, B, C), u, D, z)


def selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, backend="auto"):
    """Selective scan on the path ``resolve_backend(backend, u.device)`` picks. Returns y (B, D, L)."""
    path = resolve_backend(backend, u.device)
    if path == "cuda":
        kernel = cuda_kernels()[0]
        return kernel(u, delta, A, B, C, D, z, delta_bias, delta_softplus)
    fn = selective_scan_sequential if path == "sequential" else selective_scan_torch
    return fn(u, delta, A, B, C, D, z, delta_bias, delta_softplus)
