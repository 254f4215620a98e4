"""The fast chunked selective scan against the per-step reference, and the kernel dispatch."""

from __future__ import annotations

import pytest
import torch

from hybrid_icl.models import scan as scan_mod
from hybrid_icl.models.scan import resolve_backend, selective_scan, selective_scan_sequential, selective_scan_torch


pytestmark = pytest.mark.usefixtures("one_thread")


def close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-5) -> None:
    """max |a - b| <= tol * max(1, max |b|) (float32 sums of O(L) terms)."""
    err, scale = (a - b).abs().max().item(), max(1.0, b.abs().max().item())
    assert err <= tol * scale, f"max error {err:.3g} > {tol:g} x {scale:.3g}"


def inputs(b, d, n, length, *, delta=None, gen_seed=0, bias=True):
    g = torch.Generator().manual_seed(gen_seed)
    r = lambda *s: torch.randn(*s, generator=g)
    u, B, C, z = r(b, d, length), r(b, n, length), r(b, n, length), r(b, d, length)
    if delta is None:
        delta = r(b, d, length) * 0.5  # through softplus
    A = -torch.exp(r(d, n) * 0.5)
    D, db = r(d), r(d) * 0.1
    tensors = dict(u=u, delta=delta, A=A, B=B, C=C, D=D, z=z, delta_bias=db if bias else None)
    return {k: (v.clone().requires_grad_() if v is not None else None) for k, v in tensors.items()}


def compare(args: dict, softplus: bool = True, tol: float = 1e-5) -> None:
    names = [k for k, v in args.items() if v is not None]
    y_ref = selective_scan_sequential(**args, delta_softplus=softplus)
    y_fast = selective_scan_torch(**args, delta_softplus=softplus)
    close(y_fast, y_ref, tol)
    gy = torch.randn_like(y_ref)
    g_ref = torch.autograd.grad(y_ref, [args[k] for k in names], gy)
    g_fast = torch.autograd.grad(y_fast, [args[k] for k in names], gy)
    for name, a, b in zip(names, g_fast, g_ref):
        try:
            close(a, b, tol)
        except AssertionError as e:
            raise AssertionError(f"gradient of {name}: {e}") from None


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 2), (2, 5, 3, 17), (3, 4, 16, 64), (1, 7, 2, 101), (2, 8, 16, 250)])
def test_fast_scan_matches_reference_outputs_and_gradients(shape):
    compare(inputs(*shape, gen_seed=sum(shape)))


def test_fast_scan_long_sequence():
    compare(inputs(1, 4, 8, 1100, gen_seed=1))


@pytest.mark.parametrize("step", [1e-4, 12.0])
def test_fast_scan_extreme_step_sizes(step):
    b, d, n, length = 2, 4, 16, 300
    delta = step * (1 + 0.5 * torch.rand(b, d, length, generator=torch.Generator().manual_seed(3)))
    args = inputs(b, d, n, length, delta=delta, gen_seed=2, bias=False)
    with torch.no_grad():
        args["A"].copy_(-torch.arange(1, n + 1, dtype=torch.float32).repeat(d, 1))  # S4D-real, decays to exp(-192)
    compare(args, softplus=False)
    y = selective_scan_torch(**args)
    assert torch.isfinite(y).all()


def test_without_optional_terms():
    args = inputs(2, 3, 4, 33, gen_seed=5)
    args.update(D=None, z=None, delta_bias=None)
    compare(args, softplus=False)


def test_selective_scan_dispatch_sequential_and_torch_agree():
    args = {k: v.detach() if v is not None else None for k, v in inputs(2, 3, 4, 20).items()}
    a = selective_scan(**args, delta_softplus=True, backend="sequential")
    b = selective_scan(**args, delta_softplus=True, backend="auto")
    close(b, a)


@pytest.fixture
def fake_kernels(monkeypatch):
    calls = []

    def fake_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
        calls.append("scan")
        return torch.zeros_like(u)

    monkeypatch.setattr(scan_mod, "cuda_kernels", lambda: (fake_scan, None))
    return calls


def test_auto_picks_cuda_kernel_only_with_cuda_and_package(monkeypatch, fake_kernels):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_backend("auto", "cuda") == "cuda"
    assert resolve_backend("auto", "cpu") == "torch"  # CPU tensors never go to the kernel
    assert resolve_backend("torch", "cuda") == "torch"  # config override
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_backend("auto", "cuda") == "torch"


def test_auto_without_package_uses_torch(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(scan_mod, "cuda_kernels", lambda: (None, None))
    assert resolve_backend("auto", "cuda") == "torch"
    with pytest.raises(RuntimeError, match="mamba-ssm"):
        resolve_backend("cuda", "cuda")


def test_selective_scan_calls_kernel_when_resolved_to_cuda(monkeypatch, fake_kernels):
    monkeypatch.setattr(scan_mod, "resolve_backend", lambda backend, device: "cuda")
    args = {k: v.detach() if v is not None else None for k, v in inputs(1, 2, 3, 5).items()}
    selective_scan(**args)
    assert fake_kernels == ["scan"]


def test_unknown_backend_rejected():
    with pytest.raises(ValueError, match="backend"):
        resolve_backend("fast", "cpu")


def test_real_environment_has_no_kernel_on_cpu():
    assert resolve_backend("auto", "cpu") == "torch"
