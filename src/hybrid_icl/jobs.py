"""Glue for Snakemake ``script:`` entry points: logging to the rule's log file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path


class _Tee:
    """A text stream that writes to a file and flushes every line (so `tail -f` works)."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, text: str) -> int:
        n = self.handle.write(text)
        self.handle.flush()
        return n

    def flush(self) -> None:
        self.handle.flush()


@contextlib.contextmanager
def job_log(path: str | None) -> Iterator[None]:
    """Send stdout, stderr and ``logging`` of a job to its log file (appending: resumes keep history)."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        stream = _Tee(handle)
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = stream
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield
        except BaseException:
            import traceback

            traceback.print_exc()
            raise
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
