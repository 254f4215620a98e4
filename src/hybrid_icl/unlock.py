"""Release the lock a killed Snakemake left in this folder, unless a Snakemake is still running here.

``python -m hybrid_icl.unlock --configfile <suite> [...]`` (``make resume`` runs it, then ``make
run``). A Snakemake stopped by SIGKILL, a crash or a closed session leaves ``.snakemake/locks``
behind and the next run refuses to start; unlocking while another Snakemake works in the same
folder would let two of them write the same files, so that case is refused.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import psutil


def snakemakes_in(folder: Path) -> list[int]:
    """Process ids of Snakemake processes (of any user we may inspect) whose working folder is ``folder``."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
            if proc.pid == os.getpid() or not any(Path(part).name == "snakemake" for part in cmdline[:2]):
                continue
            if Path(proc.cwd()).resolve() == folder.resolve():
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hybrid_icl.unlock", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    args = parser.parse_args(argv)
    running = snakemakes_in(Path.cwd())
    if running:
        print(f"ERROR: Snakemake is still running in {Path.cwd()} (pid {', '.join(map(str, running))}): "
              "let it finish or stop it, then resume", file=sys.stderr)
        return 2
    snakemake = Path(sys.executable).with_name("snakemake")
    return subprocess.call([str(snakemake), "--unlock", "--configfile", *args.configfile])


if __name__ == "__main__":
    sys.exit(main())
