"""Hardware settings of a training run: TF32, bf16 autocast, torch.compile, fused Adam, and
per-step losses kept on the device so the loop does not wait for the GPU every step.

Training keys (``training:`` of a suite; docs/configuration.md):

- ``precision``: ``fp32`` (default) or ``bf16`` (forward under ``torch.autocast``, bfloat16; the
  loss, gradients, weights and optimiser state stay float32). Result-affecting.
- ``compile``: ``false`` (default) or ``true`` (the forward through ``torch.compile``). Result-affecting.
- ``tf32``: ``true`` (default): float32 matmuls and convolutions on CUDA may use TF32 tensor cores.
  No effect on CPU. A resource key: it changes GPU numbers at rounding level only.
- ``fused_optimizer``: ``true`` (default): Adam/AdamW's fused CUDA implementation on CUDA. No
  effect on CPU. A resource key, as ``tf32``.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from collections.abc import Callable

import torch

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}


def is_cuda(device: torch.device | str) -> bool:
    return torch.device(device).type == "cuda"


def configure_matmul(settings: dict, device: torch.device | str) -> None:
    """TF32 for float32 matmuls and cuDNN convolutions on CUDA (``tf32``); nothing on CPU."""
    if is_cuda(device):
        allow = bool(settings.get("tf32", True))
        torch.backends.cuda.matmul.allow_tf32 = allow
        torch.backends.cudnn.allow_tf32 = allow


def optimizer_options(settings: dict, device: torch.device | str) -> dict:
    """Extra keyword arguments of the Adam/AdamW constructor: ``fused=True`` on CUDA if asked."""
    return {"fused": True} if is_cuda(device) and settings.get("fused_optimizer", True) else {}


def autocast(settings: dict, device: torch.device | str) -> contextlib.AbstractContextManager:
    """The forward's precision context: bf16 autocast, or nothing for fp32."""
    precision = settings.get("precision", "fp32")
    if precision not in PRECISIONS:
        raise ValueError(f"training.precision: unknown precision {precision!r} (use {' or '.join(PRECISIONS)})")
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def forward_fn(model: torch.nn.Module, settings: dict) -> Callable:
    """``model`` itself, or its ``torch.compile``d forward (``compile: true``); weights are shared,
    so checkpoints and ``state_dict`` are those of ``model``."""
    return torch.compile(model) if settings.get("compile", False) else model


def peak_memory_mb(device: torch.device | str) -> dict:
    """Peak memory of this process so far: host RSS, and CUDA memory allocated by torch on a GPU."""
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS
    peak = {"peak_rss_mb": round(rss_kb / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)}
    if is_cuda(device):
        peak["peak_cuda_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    return peak


class DeviceLosses:
    """Per-step losses kept on the training device; read back to the host only by ``drain``.

    ``add`` is asynchronous on a GPU (no ``.item()``); the loop drains every ``log_every`` steps and
    before a checkpoint, so a non-finite loss is found at the next drain, with its exact step.
    """

    def __init__(self, capacity: int, device: torch.device | str):
        self.values = torch.empty(capacity, device=device)
        self.first_step = 0
        self.count = 0

    def add(self, step: int, loss: torch.Tensor) -> None:
        if self.count == 0:
            self.first_step = step
        if self.count == self.values.numel():  # a caller that drains less often than planned
            self.values = torch.cat([self.values, torch.empty_like(self.values)])
        self.values[self.count] = loss.detach()
        self.count += 1

    def drain(self) -> tuple[int, list[float]]:
        """(step of the first value, the values as Python floats) since the last drain; one host sync."""
        values = self.values[: self.count].tolist()
        self.count = 0
        return self.first_step, values
