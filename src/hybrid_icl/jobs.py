"""Glue for Snakemake ``script:`` entry points: logging to the rule's log file.

Snakemake deletes a job's log before it runs the job again, so the log of an attempt that was
killed would be lost on the rerun. Each attempt is therefore also written to a hidden sibling,
``.<log name>.attempts``, which the next attempt copies to the top of its log; it is removed when
a job succeeds. A job's log thus holds every attempt since its last success, each under a line
``=== attempt started <UTC time> on <host>``.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

ATTEMPT_HEADER = "=== attempt started"


class _Tee:
    """A text stream that writes to several files and flushes every write (so `tail -f` works)."""

    def __init__(self, *handles):
        self.handles = handles

    def write(self, text: str) -> int:
        for handle in self.handles:
            handle.write(text)
            handle.flush()
        return len(text)

    def flush(self) -> None:
        for handle in self.handles:
            handle.flush()


def attempts_path(log: Path) -> Path:
    return log.with_name(f".{log.name}.attempts")


def job_name(log: Path) -> str:
    """'train linear/gpt2/s0' from '<suite>/logs/train/linear/gpt2/s0.log' (the rule, then its wildcards)."""
    parts = log.with_suffix("").parts
    tail = parts[parts.index("logs") + 1:] if "logs" in parts else parts[-1:]
    return f"{tail[0]} {'/'.join(tail[1:])}".strip()


def failure_cause(err: BaseException) -> str | None:
    """A full disk, exhausted memory or an unusable input file in words, wherever in a job it happened;
    None for other errors."""
    from .artifacts import ArtifactError
    from .train import is_out_of_memory

    if isinstance(err, ArtifactError):  # a file that cannot be written or read: named with the fix
        return str(err)
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full (no space left on device){f' writing {err.filename}' if err.filename else ''}"
    if is_out_of_memory(err):
        return f"out of memory ({str(err).splitlines()[0] if str(err) else 'MemoryError'})"
    return None


@contextlib.contextmanager
def job_log(path: str | None) -> Iterator[None]:
    """Send stdout, stderr and ``logging`` of a job to its log file, keeping interrupted attempts."""
    if not path:
        yield
        return
    log = Path(path)
    history = attempts_path(log)
    earlier = history.read_text() if history.exists() else ""
    with open(log, "a") as handle, open(history, "a") as attempt:
        handle.write(earlier)
        stream = _Tee(handle, attempt)
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        stream.write(f"{ATTEMPT_HEADER} {now} on {socket.gethostname()}\n")
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = stream
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield
        except BaseException as err:
            import traceback

            traceback.print_exc()
            cause = failure_cause(err)
            if cause:
                print(f"ERROR: job {job_name(log)} failed: {cause}")
                print(f"ERROR: job {job_name(log)} failed: {cause}", file=old[1])  # on the console too
            raise
        else:
            history.unlink(missing_ok=True)
        finally:
            root.removeHandler(handler)
            sys.stdout, sys.stderr = old


def with_package_path(env: Mapping[str, str]) -> dict[str, str]:
    """``PYTHONPATH`` with the source folder of this imported package first (a copy of ``env``'s entry).

    The Snakefile applies it to every job, so a job's script imports the same package as the
    workflow did, in any software environment: the pip venv (whose editable install points there
    anyway) or a conda env (``--sdm conda``), which holds only the dependencies.
    """
    source = str(Path(__file__).resolve().parents[1])
    entries = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != source]
    return {"PYTHONPATH": os.pathsep.join([source, *entries])}
