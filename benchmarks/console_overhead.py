"""What the live console view (``python -m hybrid_icl.console``, used by ``make run``) costs training.

    python benchmarks/console_overhead.py [--steps 600] [--repeats 2] [--every 1]

Trains the same small run (the smoke suite's linear/gpt2, seed 0) through Snakemake, alternately
with and without the console view around it (refreshing every ``--every`` seconds, as on a
terminal), and prints each run's training time (the job's own ``wall_time``), the ratio of the
medians, and the CPU time the view itself used per second of the run.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from hybrid_icl import console

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("Snakefile", "workflow", "scripts", "config", "envs", "profiles")
TARGET = "results/overhead/runs/linear/gpt2/s0"


def workflow(folder: Path, steps: int) -> list[str]:
    """A copy of the workflow with a one-run suite; returns the Snakemake command that trains it."""
    for part in PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, folder / part)
    config = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    config.update(suite="overhead", seeds=[0])
    config["training"].update(steps=steps, log_every=20, checkpoint_every=steps, snapshot_every=None)
    (folder / "config" / "overhead.yaml").write_text(yaml.safe_dump(config))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    return [snakemake, f"{TARGET}/model.pt", "--cores", "1", "--configfile", "config/overhead.yaml"]


class Discard:
    """A terminal that forgets what it is shown (the view's drawing is measured, not its display)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def trained_seconds(folder: Path) -> float:
    seconds = float(pd.read_csv(folder / TARGET / "train_log.csv")["wall_time"].iloc[-1])
    shutil.rmtree(folder / TARGET)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between redraws (1: a terminal)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        command = workflow(folder, args.steps)
        plain, viewed, view_cpu, view_wall = [], [], 0.0, 0.0
        for repeat in range(args.repeats):
            subprocess.run(command, cwd=folder, check=True, capture_output=True)
            plain.append(trained_seconds(folder))
            cpu, wall = time.process_time(), time.time()
            with contextlib.chdir(folder):  # as make runs it, from the workflow folder
                code = console.run(command, console.Screen(Discard(), every=args.every))
            view_cpu, view_wall = view_cpu + time.process_time() - cpu, view_wall + time.time() - wall
            assert code == 0, "snakemake failed under the console view"
            viewed.append(trained_seconds(folder))
            print(f"repeat {repeat}: training {plain[-1]:.1f} s plain, {viewed[-1]:.1f} s under the view")
    ratio = statistics.median(viewed) / statistics.median(plain)
    print(f"\ntraining time with / without the view (medians): {ratio:.3f}")
    print(f"the view's own CPU time: {view_cpu:.2f} s over {view_wall:.0f} s of runs "
          f"({100 * view_cpu / view_wall:.2f}% of one core)")


if __name__ == "__main__":
    main()
