"""Command line: `python -m hybrid_icl <command>` for use outside Snakemake.

  models     list the registered architectures (recipe, parameter count)
  validate   check a suite config and report every problem
  where      print where a suite's figures and tables are
  status     which runs of a suite are trained, partial, stale or not started; times and estimate
  train      train one (task, model, seed) run of a suite into a folder
  docs-tables  Markdown tables of a suite's results for the docs (docs/tables/<suite>/)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .allocator import malloc_mode, reexec_with_heap_malloc
from .cli_errors import UsageError, check_name, non_negative_int, positive_int, run_command
from .suite import load_suite


def cmd_validate(args: argparse.Namespace) -> int:
    load_suite(*args.config)  # ConfigFileError / ConfigError (exit code 2) if it is unusable
    print(f"{' + '.join(args.config)}: valid")
    return 0


def cmd_where(args: argparse.Namespace) -> int:
    from .doc_tables import scores_of

    suite = load_suite(*args.configfile)
    path, out = suite.layout.path, suite.layout.root
    scores = Path(path("scores", ext="md"))
    if not scores.is_file():
        print(f"Suite '{suite.name}' has no results yet in {out}/ (its score table is not written); "
              f"python -m hybrid_icl status --configfile {' '.join(args.configfile)} shows which runs are trained.")
        return 1
    try:
        scores_of(suite, Path(path("scores", ext="csv")))
    except ValueError as err:
        print(f"Suite '{suite.name}' has no tables of its own in {out}/: {err}.")
        return 1
    figures = Path(suite.figure("x")).parent
    print(f"\nSuite '{suite.name}' is done. Results in {out}/:")
    print(f"  scores    {scores} (also .csv, .tex)")
    print(f"  curves    {path('curves')}")
    claims = Path(path("claims", ext="md"))
    if claims.is_file():
        print(f"  claims    {claims} (also .csv, .html): the paper's findings, each with a verdict")
    print(f"  figures   {figures}/ ({', '.join(f.stem for f in sorted(figures.glob('*.pdf'))) or 'none yet'}; "
          ".pdf and .png)")
    print(f"  runs      {path('run', task='<task>', model='<model>', seed='<seed>')}/ "
          "(model.pt, train_log.csv, errors.parquet)")
    print(f"  logs      {Path(suite.layout.log('x')).parent}/   report: snakemake --report results/report.html "
          "--configfile ...")
    print("\n" + scores.read_text())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from .status import (
        as_records, check_selection, measured_speeds_basis, part_status, parts_report, report,
        selected, suite_status,
    )

    if args.parts is not None and (args.task or args.model or args.json):
        raise UsageError("--parts shows whole parts as a table: drop --task, --model and --json")
    suite = load_suite(*args.configfile)
    try:
        check_selection(suite.runs, args.task, args.model)
    except ValueError as err:
        raise UsageError(str(err)) from None
    every_run = suite_status(suite)
    measured = measured_speeds_basis(suite, every_run)
    if args.parts is not None:
        from .parts import part_files

        try:
            files = args.parts or part_files(suite.name, args.configfile[0])
        except ValueError as err:
            raise UsageError(str(err)) from None
        parts = {Path(f).name: part_status(load_suite(*args.configfile, f), suite, measured) for f in files}
        print(parts_report(parts, every_run, measured))
        return 0
    runs = selected(every_run, args.task, args.model)
    source = " + ".join(args.configfile)
    print(json.dumps(as_records(runs), indent=1) if args.json else report(runs, source, measured=measured))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    reexec_with_heap_malloc()  # restarts this process once, before any work (allocator.py)
    print(f"malloc: {malloc_mode(os.environ)}")
    from .train import train_run

    suite = load_suite(*args.configfile)
    check_name("task", args.task, suite.config["tasks"])
    check_name("model", args.model, suite.config["models"])
    given = {key: value for key, value in (("threads", args.threads), ("device", args.device)) if value is not None}
    job = suite.training_job(args.task, args.model, args.seed, folder=args.out, **given)
    print(f"training {args.task}/{args.model}/s{args.seed} into {job.model_path.parent}")
    train_run(job.run, job.model_path, job.log_path, job.resume_dir)
    return 0


def cmd_docs_tables(args: argparse.Namespace) -> int:
    from .doc_tables import write_doc_tables

    try:
        written = write_doc_tables(load_suite(*args.configfile), args.out, args.k, args.configfile)
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err)) from None
    print("\n".join(str(path) for path in written))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .models.listing import run

    try:
        return run(args)
    except ValueError as err:  # an invalid size combination, e.g. d_model not divisible by n_head
        raise UsageError(" ".join(str(err).split())) from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m hybrid_icl", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a suite config (several files: layered, later ones win)")
    p.add_argument("config", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("where", help="print where a suite's results are")
    p.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    p.set_defaults(func=cmd_where)

    p = sub.add_parser("status", help="which runs of a suite are trained; measured and remaining time")
    p.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    p.add_argument("--task", nargs="+", help="only these tasks (the estimate still uses every measured run)")
    p.add_argument("--model", nargs="+", help="only these models")
    p.add_argument("--json", action="store_true", help="one object per run instead of the table")
    p.add_argument("--parts", nargs="*", metavar="FILE", help="one line per part (a file layered over the "
                   "suite, its runs judged by the layered settings and folder); without files: the suite's "
                   "parts <config folder>/slices/<suite>_*.yaml")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("train", help="train one run of a suite outside Snakemake")
    p.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    p.add_argument("--task", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--threads", type=positive_int, help="torch threads (default: the suite's training.threads)")
    p.add_argument("--device", help="cpu, cuda, cuda:N or auto (default: the suite's training.device)")
    p.add_argument("--out", help="folder for model.pt, train_log.csv and resume/ (default: the suite's run "
                   "folder, where the workflow finds it)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("docs-tables", help="Markdown tables of a suite's results for the docs")
    p.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    p.add_argument("--out", default="docs/tables", help="folder; the tables go to <out>/<suite>/, or "
                   "<out>/<suite>/<part>/ when the last --configfile is a part, slices/<suite>_<part>.yaml")
    p.add_argument("--k", type=positive_int, nargs="+", help="context lengths to show (default: about a "
                   "quarter, half and all of the longest)")
    p.set_defaults(func=cmd_docs_tables)

    p = sub.add_parser("models", help="list the registered architectures")
    from .models.listing import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_models)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_command(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
