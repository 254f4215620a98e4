"""Choosing the device a job runs on. Snakemake's ``gpu`` resource only counts; the job picks."""

from __future__ import annotations

import os
from collections.abc import Callable

import torch


def pick_device(setting: str = "auto", say: Callable[[str], None] = print) -> torch.device:
    """'auto' -> the first visible CUDA device (respecting CUDA_VISIBLE_DEVICES), else the CPU."""
    if setting == "auto":
        if torch.cuda.is_available():
            device = torch.device("cuda")
            visible = os.environ.get("CUDA_VISIBLE_DEVICES", "all")
            say(f"device: {torch.cuda.get_device_name(device)} (CUDA_VISIBLE_DEVICES={visible})")
            return device
        say("device: cpu (no CUDA device visible; Mamba layers use the portable torch scan)")
        return torch.device("cpu")
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"training.device is {setting!r} but no CUDA device is visible")
    say(f"device: {setting}")
    return torch.device(setting)
