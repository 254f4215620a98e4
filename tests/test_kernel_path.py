"""The model's CUDA branch (mamba-ssm's selective_scan_fn, causal-conv1d's causal_conv1d_fn) run on CPU.

The kernels are replaced by stand-ins with their exact signatures and argument checks
(tests/cuda_standins.py), so the argument order, layouts and dtypes the model passes are checked
here, not first on a user's GPU. Outputs and gradients must equal the portable torch path's.

With ``MAMBA_SSM_SOURCE`` set to mamba-ssm's ``mamba_ssm/ops/selective_scan_interface.py`` (from
its sdist or a checkout) and einops importable, the scan stand-in is also compared with mamba-ssm's
own pure-torch reference ``selective_scan_ref``, loaded from that file alone (nothing is copied).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import cuda_standins
from hybrid_icl.models import build_model
from hybrid_icl.models import mamba as mamba_mod
from hybrid_icl.models import scan as scan_mod
from hybrid_icl.models.mamba import MambaMixer

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def kernel_branch(monkeypatch):
    """Route every 'auto' / 'cuda' scan to the CUDA branch, served by the CPU stand-ins.

    Returns the list of kernel calls, so a test can check the kernels were really used."""
    calls: list[str] = []

    def scan(*args, **kwargs):
        calls.append("selective_scan_fn")
        return cuda_standins.selective_scan_fn(*args, **kwargs)

    def conv(*args, **kwargs):
        calls.append("causal_conv1d_fn")
        return cuda_standins.causal_conv1d_fn(*args, **kwargs)

    real_resolve = scan_mod.resolve_backend
    resolve = lambda backend, device: "cuda" if backend in ("auto", "cuda") else real_resolve(backend, device)
    for module in (scan_mod, mamba_mod):
        monkeypatch.setattr(module, "cuda_kernels", lambda: (scan, conv))
        monkeypatch.setattr(module, "resolve_backend", resolve)
    return calls


def outputs_and_grads(module: torch.nn.Module, inputs: tuple, path: str) -> tuple[torch.Tensor, dict]:
    """Forward with every Mamba mixer on ``path``; returns the output and {name: grad} (inputs too)."""
    for mixer in module.modules():
        if isinstance(mixer, MambaMixer):
            mixer.scan = path
    module.zero_grad(set_to_none=True)
    inputs = tuple(t.detach().clone().requires_grad_(t.is_floating_point()) for t in inputs)
    out = module(*inputs)
    weights = torch.linspace(-1, 1, out.numel()).view_as(out)  # a fixed, non-uniform output gradient
    (out.float() * weights).sum().backward()
    grads = {name: p.grad.clone() for name, p in module.named_parameters() if p.grad is not None}
    grads.update({f"input{i}": t.grad.clone() for i, t in enumerate(inputs) if t.grad is not None})
    return out.detach(), grads


def assert_close(a: torch.Tensor, b: torch.Tensor, what: str, rtol: float, atol: float) -> None:
    err = (a.float() - b.float()).abs().max().item()
    assert torch.allclose(a.float(), b.float(), rtol=rtol, atol=atol), f"{what}: max |diff| {err:.3g}"


def compare_paths(module, inputs, calls, rtol=1e-5, atol=1e-6) -> None:
    ref_out, ref_grads = outputs_and_grads(module, inputs, "torch")
    assert not calls
    out, grads = outputs_and_grads(module, inputs, "auto")
    assert "selective_scan_fn" in calls and "causal_conv1d_fn" in calls
    assert_close(out, ref_out, "output", rtol, atol)
    assert grads.keys() == ref_grads.keys()
    for name in ref_grads:
        assert_close(grads[name], ref_grads[name], f"gradient of {name}", rtol, atol)


@pytest.mark.parametrize("d_model, expand", [(16, 2), (6, 2)])  # d_inner 32, and 12 (not a multiple of 8)
def test_mixer_cuda_branch_matches_torch_path(kernel_branch, d_model, expand):
    torch.manual_seed(0)
    mixer = MambaMixer(d_model, d_state=4, d_conv=4, expand=expand)
    hidden = torch.randn(3, 11, d_model)
    compare_paths(mixer, (hidden,), kernel_branch)


def test_model_cuda_branch_matches_torch_path(kernel_branch):
    torch.manual_seed(1)
    model = build_model({"arch": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4}, x_dim=3, y_dim=1, max_points=9)
    xs, ys = torch.randn(2, 9, 3), torch.randn(2, 9, 1)
    compare_paths(model, (xs, ys), kernel_branch)


def test_cuda_branch_passes_kernel_dtype_checks_under_bf16_autocast(kernel_branch):
    """Under autocast the projections give bfloat16; the kernels need u, delta, B, C, z of one
    dtype and A, D, delta_bias in float32 (else a TORCH_CHECK fails on the GPU)."""
    torch.manual_seed(2)
    mixer = MambaMixer(16, d_state=4, expand=2)
    hidden = torch.randn(2, 7, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        compare_paths(mixer, (hidden,), kernel_branch, rtol=3e-2, atol=3e-2)


def test_standins_reject_what_the_kernels_reject():
    u = torch.randn(2, 8, 5)
    A = -torch.rand(8, 4)
    B = C = torch.randn(2, 4, 5)
    with pytest.raises(cuda_standins.KernelArgumentError, match="A must be float32"):
        cuda_standins.selective_scan_fn(u, u, A.double(), B, C)
    with pytest.raises(cuda_standins.KernelArgumentError, match="B, C must have u's dtype"):
        cuda_standins.selective_scan_fn(u, u, A, B.bfloat16(), C)
    with pytest.raises(cuda_standins.KernelArgumentError, match="delta_bias must be float32"):
        cuda_standins.selective_scan_fn(u, u, A, B, C, delta_bias=torch.zeros(8, dtype=torch.bfloat16))
    x_last = torch.randn(2, 5, 12).transpose(1, 2)  # (batch, 12, L), channel-last, 12 % 8 != 0
    with pytest.raises(cuda_standins.KernelArgumentError, match="divisible by 8"):
        cuda_standins.causal_conv1d_fn(x_last, torch.randn(12, 4))
    with pytest.raises(cuda_standins.KernelArgumentError, match="width between 2 and 4"):
        cuda_standins.causal_conv1d_fn(torch.randn(2, 8, 5), torch.randn(8, 5))


def test_conv_standin_is_a_causal_depthwise_conv():
    torch.manual_seed(3)
    x, w, b = torch.randn(2, 8, 6), torch.randn(8, 3), torch.randn(8)
    out = cuda_standins.causal_conv1d_fn(x, w, b, activation="silu")
    # y[t] = silu(b + sum_k w[k] x[t - (width - 1) + k]), zeros before the start
    padded = F.pad(x, (2, 0))
    expected = torch.stack([(padded[..., t : t + 3] * w).sum(-1) for t in range(6)], dim=-1) + b[:, None]
    assert_close(out, F.silu(expected), "causal conv", 1e-6, 1e-6)


# ----------------------------------------------------------------------------- mamba-ssm's reference
def load_selective_scan_ref(source: Path):
    """``selective_scan_ref`` from mamba-ssm's selective_scan_interface.py, without importing the
    package (whose import needs its CUDA extension and triton)."""
    einops = pytest.importorskip("einops", reason="mamba-ssm's reference uses einops")
    tree = ast.parse(source.read_text())
    func = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "selective_scan_ref"), None)
    assert func is not None, f"no selective_scan_ref in {source}"
    namespace = {"torch": torch, "F": F, "rearrange": einops.rearrange, "repeat": einops.repeat}
    exec(compile(ast.Module([func], type_ignores=[]), str(source), "exec"), namespace)
    return namespace["selective_scan_ref"]


@pytest.mark.skipif(
    not os.environ.get("MAMBA_SSM_SOURCE"),
    reason="set MAMBA_SSM_SOURCE to mamba-ssm's selective_scan_interface.py to compare with its reference "
    "(pip download cannot fetch the sdist on a CPU machine: its metadata build needs CUDA)",
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_scan_standin_matches_mamba_ssm_reference(dtype):
    ref = load_selective_scan_ref(Path(os.environ["MAMBA_SSM_SOURCE"]))
    g = torch.Generator().manual_seed(4)
    r = lambda *s: torch.randn(*s, generator=g)
    b, d, n, length = 2, 8, 4, 13
    args = [r(b, d, length).to(dtype), (0.5 * r(b, d, length)).to(dtype), -torch.exp(0.5 * r(d, n)),
            r(b, n, length).to(dtype), r(b, n, length).to(dtype), r(d), r(b, d, length).to(dtype), 0.1 * r(d)]  # fmt: skip
    args = [a.requires_grad_() for a in args]
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    out_ref = ref(*args, delta_softplus=True)
    out = cuda_standins.selective_scan_fn(*args, delta_softplus=True)
    assert out.dtype == out_ref.dtype == dtype
    assert_close(out, out_ref, "output", tol, tol)
    grads_ref = torch.autograd.grad(out_ref.float().sum(), args)
    grads = torch.autograd.grad(out.float().sum(), args)
    for i, (a, b_) in enumerate(zip(grads, grads_ref)):
        assert_close(a, b_, f"gradient of argument {i}", tol, tol)
