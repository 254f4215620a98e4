"""Files one job writes and a later job reads, written atomically with a checksum and verified on read.

Torch files (``model.pt``, evaluation prompt sets, training-progress snapshots, resume checkpoints)
hold one line with the SHA-256 of the payload in hex, then the payload (a ``torch.save``). Files
written before checksums existed (a plain ``torch.save``) are still read, unverified; one that ends
inside its checksum line is reported as truncated. Parquet tables carry the format's own CRC-32 of
every data page and are verified by pyarrow as they are read.

Every payload is serialised in memory first and written with ordinary file writes, so a full disk
raises ``ArtifactWriteError`` saying so (torch writing straight to a full disk reports only
"unexpected pos"). A file that cannot be used raises ``ArtifactError`` naming it and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .atomic import atomic_path

_DIGEST = re.compile(rb"^[0-9a-f]{64}\n")
_CUT_DIGEST = re.compile(rb"[0-9a-f]{1,64}\n?")  # all that is left of a file cut inside its checksum line
REBUILD = "delete it and rerun the same snakemake command: the workflow rebuilds it from its inputs"


class ArtifactError(RuntimeError):
    """A file another job wrote is missing, truncated or corrupt; the message names it and the fix."""


class ArtifactWriteError(ArtifactError):
    """A file could not be written (disk full, permissions); the message names it and the cause."""


def write_failure(err: OSError) -> str:
    """The cause of a failed write in words: 'the disk is full (no space left on device)', ..."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full (no space left on device)"
    return err.strerror or str(err)


def write_bytes(path: str | Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` atomically; ArtifactWriteError naming the file and the cause."""
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(blob)
    except OSError as err:
        raise ArtifactWriteError(f"could not write {path}: {write_failure(err)}") from err


def with_checksum(payload: bytes) -> bytes:
    return hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def checked_payload(blob: bytes) -> bytes | None:
    """The payload of a checksummed blob; ValueError when it does not match or the blob ends inside
    its checksum line; None for a legacy file."""
    if _CUT_DIGEST.fullmatch(blob):
        raise ValueError("truncated: the file ends inside its checksum line")
    if not _DIGEST.match(blob[:65]):
        return None
    digest, payload = blob[:64], blob[65:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise ValueError("checksum mismatch: the file is truncated or damaged")
    return payload


def torch_bytes(obj: Any) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def save_torch(obj: Any, path: str | Path) -> None:
    """``torch.save`` of ``obj`` to ``path``, checksummed and atomic."""
    write_bytes(path, with_checksum(torch_bytes(obj)))


def unusable(path: str | Path, err: BaseException, fix: str) -> ArtifactError:
    """The error for a file that exists but cannot be used: its name, the first line of why, the fix."""
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ArtifactError(f"{path} is unusable ({reason}); {fix}")


@contextlib.contextmanager
def reading(path: str | Path, fix: str) -> Iterator[None]:
    """Turn a failure to read ``path`` into an ArtifactError naming it (missing or unreadable) and ``fix``."""
    try:
        yield
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; {fix}") from None
    except OSError as err:
        raise ArtifactError(f"{path} cannot be read ({err.strerror or err}); {fix}") from None


def read_blob(path: str | Path, fix: str) -> bytes:
    with reading(path, fix):
        return Path(path).read_bytes()


def check_readable(path: str | Path, fix: str) -> None:
    """Open ``path`` without reading it: ArtifactError as ``read_blob``'s when it is missing or unreadable."""
    with reading(path, fix), open(path, "rb"):
        pass


def load_torch(path: str | Path, fix: str = REBUILD) -> Any:
    """The object saved by ``save_torch`` (or a plain ``torch.save``), on the CPU.

    ArtifactError naming the file and ``fix`` when it is missing, fails its checksum or does not load.
    """
    import torch

    blob = read_blob(path, fix)
    try:
        payload = checked_payload(blob)
        return torch.load(io.BytesIO(blob if payload is None else payload), map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - any unreadable payload is reported the same way
        raise unusable(path, err, fix) from None


def verify_torch(path: str | Path, fix: str = REBUILD) -> None:
    """Check a torch file's checksum without loading it (legacy files: that they load)."""
    blob = read_blob(path, fix)
    try:
        if checked_payload(blob) is None:
            load_torch(path, fix)
    except ValueError as err:
        raise unusable(path, err, fix) from None


def save_table(frame, path: str | Path) -> None:
    """Write a table atomically: parquet with page checksums, or CSV, by the file's extension."""
    buffer = io.BytesIO()
    if str(path).endswith(".parquet"):
        frame.to_parquet(buffer, index=False, write_page_checksum=True)
    else:
        frame.to_csv(buffer, index=False)
    write_bytes(path, buffer.getvalue())


def load_parquet(path: str | Path, fix: str = REBUILD):
    """A parquet table, its page checksums verified; ArtifactError naming the file and ``fix`` otherwise."""
    import pandas as pd

    check_readable(path, fix)  # missing or unreadable: named with the fix
    try:
        return pd.read_parquet(path, page_checksum_verification=True)
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for damaged files
        raise unusable(path, err, fix) from None


def load_csv(path: str | Path, fix: str = REBUILD, **kwargs):
    """A CSV table another job wrote (atomically, so never torn by a crash); ArtifactError naming the
    file and ``fix`` when it is missing or does not parse. CSV carries no checksum."""
    import pandas as pd

    check_readable(path, fix)
    try:
        return pd.read_csv(path, **kwargs)
    except Exception as err:  # noqa: BLE001 - pandas raises several types for damaged files
        raise unusable(path, err, fix) from None
