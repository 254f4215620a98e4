"""CPU stand-ins for mamba-ssm's ``selective_scan_fn`` and causal-conv1d's ``causal_conv1d_fn``.

Same signatures, and the same argument checks as the CUDA kernels make (shapes, dtypes, memory
layouts: ``selective_scan.cpp`` / ``causal_conv1d.cpp`` and their Python wrappers, mamba-ssm 2.3,
causal-conv1d 1.7), except ``is_cuda``. The arithmetic is ours: the per-step reference scan and a
causal depthwise conv, both in float32 with the result cast to the input's dtype, as the kernels do.
Options the model never uses (``return_last_state``, ``seq_idx``, initial/final states) raise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from hybrid_icl.models.scan import selective_scan_sequential

INPUT_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


class KernelArgumentError(RuntimeError):
    """An argument the CUDA kernel would reject (its TORCH_CHECK failing)."""


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise KernelArgumentError(message)


def _check_vector(name: str, t: torch.Tensor, dim: int) -> None:
    _check(t.dtype == torch.float32, f"{name} must be float32, got {t.dtype}")
    _check(t.shape == (dim,), f"{name} must have shape ({dim},), got {tuple(t.shape)}")
    _check(t.stride(-1) == 1 or t.size(-1) == 1, f"{name} must have stride(-1) == 1")


def selective_scan_fn(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False,
                      return_last_state=False):  # fmt: skip
    """u, delta, z (batch, dim, L); A (dim, N) float32; B, C (batch, N, L); D, delta_bias (dim,) float32.

    Returns y (batch, dim, L) in u's dtype.
    """
    if return_last_state:
        raise NotImplementedError("stand-in: return_last_state is not used by the model")
    # The Python wrapper (SelectiveScanFn.forward) makes these contiguous along the last axis.
    u, delta, B, C = (t if t.stride(-1) == 1 else t.contiguous() for t in (u, delta, B, C))
    D = D.contiguous() if D is not None else None
    z = z if z is None or z.stride(-1) == 1 else z.contiguous()
    # selective_scan_fwd's checks (variable B and C only: the model's B, C depend on the input).
    itype = u.dtype
    _check(itype in INPUT_DTYPES, f"u must be float32, float16 or bfloat16, got {itype}")
    _check(A.dtype == torch.float32, f"A must be float32 (complex A is not used), got {A.dtype}")
    _check(delta.dtype == itype, f"delta must have u's dtype {itype}, got {delta.dtype}")
    _check(B.dim() == 3 and C.dim() == 3, "B and C must be (batch, N, L)")
    _check(B.dtype == itype and C.dtype == itype, f"B, C must have u's dtype {itype}, got {B.dtype}, {C.dtype}")
    batch, dim, length = u.shape
    dstate = A.shape[1]
    _check(dstate <= 256, "selective_scan only supports state dimension <= 256")
    _check(delta.shape == u.shape, f"delta must have shape {tuple(u.shape)}, got {tuple(delta.shape)}")
    _check(A.shape == (dim, dstate), f"A must have shape ({dim}, N), got {tuple(A.shape)}")
    for name, t in (("B", B), ("C", C)):
        _check(t.shape == (batch, dstate, length), f"{name} must have shape {(batch, dstate, length)}, got {tuple(t.shape)}")
    if D is not None:
        _check_vector("D", D, dim)
    if delta_bias is not None:
        _check_vector("delta_bias", delta_bias, dim)
    if z is not None:
        _check(z.dtype == itype, f"z must have u's dtype {itype}, got {z.dtype}")
        _check(z.shape == u.shape, f"z must have shape {tuple(u.shape)}, got {tuple(z.shape)}")
    with torch.autocast(u.device.type, enabled=False):  # a custom kernel: autocast does not reach it
        f32 = lambda t: t.float() if t is not None else None
        y = selective_scan_sequential(
            f32(u), f32(delta), A, f32(B), f32(C), D, f32(z), delta_bias, delta_softplus
        )  # fmt: skip
    return y.to(itype)


def causal_conv1d_fn(x, weight, bias=None, seq_idx=None, initial_states=None, return_final_states=False,
                     final_states_out=None, activation=None):  # fmt: skip
    """x (batch, dim, L); weight (dim, width); bias (dim,) -> (batch, dim, L) in x's dtype."""
    if activation not in (None, "silu", "swish"):
        raise NotImplementedError("activation must be None, silu, or swish")
    if seq_idx is not None or initial_states is not None or return_final_states or final_states_out is not None:
        raise NotImplementedError("stand-in: seq_idx and initial/final states are not used by the model")
    # The Python wrapper (CausalConv1dFn.forward).
    if x.stride(2) != 1 and x.stride(1) != 1:
        x = x.contiguous()
    bias = bias.contiguous() if bias is not None else None
    # causal_conv1d_fwd's checks.
    _check(x.dtype in INPUT_DTYPES, f"x must be float32, float16 or bfloat16, got {x.dtype}")
    _check(weight.dtype in INPUT_DTYPES, f"weight must be float32, float16 or bfloat16, got {weight.dtype}")
    _check(x.dim() == 3, f"x must be (batch, dim, L), got {tuple(x.shape)}")
    batch, dim, length = x.shape
    width = weight.shape[-1]
    _check(weight.shape == (dim, width), f"weight must have shape ({dim}, width), got {tuple(weight.shape)}")
    channel_last = x.stride(1) == 1 and x.stride(2) > 1
    if channel_last:
        _check(dim % 8 == 0, "causal_conv1d only supports channel dimension divisible by 8 for now")
        _check(
            x.stride(2) % 8 == 0 and x.stride(0) % 8 == 0,
            "causal_conv1d with channel last layout requires strides (x.stride(0) and x.stride(2)) to be multiples of 8",
        )
    _check(2 <= width <= 4, "causal_conv1d only supports width between 2 and 4")
    if bias is not None:
        _check(bias.dtype == weight.dtype, f"bias must have weight's dtype {weight.dtype}, got {bias.dtype}")
        _check(bias.shape == (dim,) and bias.stride(-1) == 1, f"bias must be a contiguous ({dim},) vector")
    with torch.autocast(x.device.type, enabled=False):
        out = F.conv1d(x.float(), weight.float().unsqueeze(1), None if bias is None else bias.float(),
                       padding=width - 1, groups=dim)[..., :length]  # fmt: skip
        out = F.silu(out) if activation is not None else out
    return out.to(x.dtype)
