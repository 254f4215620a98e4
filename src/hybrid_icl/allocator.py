"""Keep large CPU tensors on glibc's heap instead of fresh mmap'd pages.

glibc's malloc serves every allocation above its mmap threshold (at most 32 MB on 64-bit) with a
fresh ``mmap`` and returns it with ``munmap`` when freed. A training step at long contexts allocates
and frees many activations of that size (batch 64 x 1280 tokens x 128 channels in float32 is
42 MB), so every step page-faults and zeroes them again: on a 2-core machine that made the step at
1280 tokens ~3.5x the step at 640 instead of ~2x (docs/benchmarks.md). With mmap switched off and
the heap never trimmed, freed blocks are reused; the cost is that the process keeps its peak memory.

The setting is glibc's tunables environment variable, read only when a process starts, so it is
set for child processes (``with_heap_malloc``: the Snakefile applies it to every job) or by
restarting the current process once (``reexec_with_heap_malloc``: the CLI and the benchmark).
Opt out with ``HYBRID_ICL_MALLOC=system``; a ``GLIBC_TUNABLES`` that already sets
``glibc.malloc.mmap_max`` is also left alone. (Setting any mmap tunable by hand switches off glibc's
adaptive threshold, which made GPT-2's step at 640 tokens 1.7x slower: prefer the opt-out.)
Other C libraries ignore the variable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

ENV = "GLIBC_TUNABLES"
OPT_OUT = "HYBRID_ICL_MALLOC"  # "system": keep glibc's default
HEAP_ONLY = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776"  # no mmap, trim at 1 TiB


def malloc_mode(env: Mapping[str, str]) -> str:
    """What a process started with ``env`` uses: 'heap' (ours), 'custom' (the user's mmap_max) or 'system'."""
    tunables = env.get(ENV, "")
    if "glibc.malloc.mmap_max=0" in tunables.split(":"):
        return "heap"
    return "custom" if "glibc.malloc.mmap_max" in tunables else "system"


def configured(env: Mapping[str, str]) -> bool:
    """True if ``env`` already chooses glibc's mmap behaviour (ours or the user's) or opts out."""
    return env.get(OPT_OUT) == "system" or malloc_mode(env) != "system"


def with_heap_malloc(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``env`` whose GLIBC_TUNABLES adds HEAP_ONLY to any tunables already set."""
    out = dict(env)
    if not configured(env):
        out[ENV] = ":".join(part for part in (env.get(ENV, ""), HEAP_ONLY) if part)
    return out


def reexec_with_heap_malloc() -> None:
    """Restart this Python process with ``with_heap_malloc(os.environ)``, once, on Linux only.

    Call it first thing in an entry point (before any work): the process image is replaced, with
    the same interpreter and command line (``sys.orig_argv``).
    """
    if not sys.platform.startswith("linux") or configured(os.environ):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], with_heap_malloc(os.environ))
