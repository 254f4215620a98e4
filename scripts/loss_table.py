"""Print a Markdown table of training losses of run folders against a floor (pilots; docs/pilots.md).

    python scripts/loss_table.py \
        mamba=results/pilots/parity_n6/mamba/s0 llama=results/pilots/parity_n6/llama/s0 --floor 0.9333 --at 500 1000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hybrid_icl.loss_curves import loss_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="LABEL=FOLDER (a run folder with train_log.csv or resume/)")
    parser.add_argument("--floor", type=float, help="the prompt-ignoring predictor's loss (omit for a task without one)")
    parser.add_argument("--margin", type=float, default=0.01, help="'below the floor' means below floor - margin")
    parser.add_argument("--at", type=int, nargs="+", default=[500, 1000, 2000, 3000, 4000])
    args = parser.parse_args(argv)
    folders = {}
    for item in args.runs:
        label, sep, folder = item.partition("=")
        if not sep or not Path(folder).is_dir():
            print(f"ERROR: expected LABEL=FOLDER with an existing folder, got {item!r}", file=sys.stderr)
            return 2
        folders[label] = Path(folder)
    table = loss_table(folders, args.at, args.floor, args.margin)
    print(table.astype(object).where(table.notna(), None).to_markdown(index=False, missingval=""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
