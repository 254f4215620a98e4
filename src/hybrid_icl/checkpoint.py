"""Resumable training checkpoints with checksums.

File layout: one line holding the SHA-256 of the payload in hex, then the payload (a
``torch.save`` of the training state). Files are written atomically; a torn or corrupt file fails
its checksum and is skipped in favour of the previous good one.

Fault injection (tests only, inert unless set): ``HYBRID_ICL_FAULT=kill_during_checkpoint:<step>``
makes the process SIGKILL itself half-way through writing the temporary file of checkpoint <step>.
"""

from __future__ import annotations

import io
import logging
import os
import re
import signal
from pathlib import Path
from typing import Any

import torch

from .artifacts import ArtifactWriteError, checked_payload, torch_bytes, with_checksum, write_failure
from .atomic import atomic_path

log = logging.getLogger(__name__)

_NAME = re.compile(r"^ckpt_(\d{9})\.pt$")
FAULT_ENV = "HYBRID_ICL_FAULT"


class CheckpointWriteError(ArtifactWriteError):
    """A checkpoint could not be written (disk full, permissions...). The previous one is intact."""


def checkpoint_path(folder: Path, step: int) -> Path:
    return Path(folder) / f"ckpt_{step:09d}.pt"


def encode(state: dict[str, Any]) -> bytes:
    return with_checksum(torch_bytes(state))


def decode(blob: bytes) -> dict[str, Any]:
    """Inverse of ``encode``; raises ValueError when the checksum does not match."""
    payload = checked_payload(blob)
    if payload is None:
        raise ValueError("no checksum (truncated or corrupt file)")
    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)


def save_checkpoint(folder: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Atomically write the state of ``step`` and prune all but the newest ``keep`` checkpoints."""
    target = checkpoint_path(folder, step)
    blob = encode(state)
    try:
        with atomic_path(target) as tmp:
            inject_fault(step, tmp, blob)
            tmp.write_bytes(blob)
    except OSError as err:
        raise CheckpointWriteError(
            f"could not write checkpoint {target} ({write_failure(err)}); the previous checkpoint is intact, "
            "free the resource and rerun the same target to resume"
        ) from err
    for old in list_checkpoints(folder)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


def inject_fault(step: int, tmp: Path, blob: bytes) -> None:
    """Test hook: write half of ``blob`` to ``tmp`` and SIGKILL this process, if ``FAULT_ENV`` asks for ``step``."""
    if os.environ.get(FAULT_ENV) != f"kill_during_checkpoint:{step}":
        return
    with open(tmp, "wb") as fh:
        fh.write(blob[: len(blob) // 2])
        fh.flush()
        os.fsync(fh.fileno())
    os.kill(os.getpid(), signal.SIGKILL)


def list_checkpoints(folder: Path) -> list[Path]:
    """Checkpoint files in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _NAME.match(p.name))


def load_latest(folder: Path, tidy: bool = True) -> dict[str, Any] | None:
    """The newest checkpoint that passes its checksum, or None. Corrupt files are renamed aside.

    Temporary files left by interrupted writes (``.ckpt_*.tmp``) are removed. ``tidy=False`` only
    reads (unusable files are skipped and left where they are), for tools that inspect a run.
    """
    for stale in Path(folder).glob(".ckpt_*.tmp") if tidy else ():
        stale.unlink(missing_ok=True)
    for path in reversed(list_checkpoints(folder)):
        try:
            return decode(path.read_bytes())
        except Exception as err:  # noqa: BLE001 - any unreadable file is skipped the same way
            if not tidy:
                continue
            aside = path.with_name(path.name + ".corrupt")
            path.replace(aside)
            log.warning("checkpoint %s is unusable (%s); moved to %s, trying an older one", path, err, aside.name)
    return None
