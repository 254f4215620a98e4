"""Markdown tables for the docs, generated from a suite's results folder (``make docs-tables``).

Per task (``<out>/<suite>/<task>.md``): each model's error at a few context lengths k and its ICL
score, both with their intervals, and its final training loss per seed; the baselines' errors
below. For OOD entries (``<out>/<suite>/ood.md``): each model's score per entry. Models are
sorted by score, best first; a cell the results do not have is left empty. Tables the suite's
rules already write as Markdown (claims, paper comparison, secondary scores, each task's closest
baselines) are copied as they are, where the results have them, the suite's workflow writes them
and they hold something this suite ran (a claims table whose every claim was not run, or a
secondary-score table without metrics, is left out). A results folder shared by a suite's parts
holds the tables of whichever part ran last there: score tables written for another config are
refused. A part of a suite (its file ``slices/<suite>_<part>.yaml`` given last) gets its own folder
``<out>/<suite>/<part>/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .claims import NOT_RUN
from .marks import with_footnote, with_marks
from .parts import part_of
from .suite import Suite


def interval(mean: float, low: float, high: float) -> str:
    return "" if np.isnan(mean) else f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def default_ks(ks: np.ndarray) -> list[int]:
    """Context lengths to show: the ones nearest a quarter, half and all of the longest."""
    ks = np.sort(ks)
    picks = [ks[np.abs(ks - ks[-1] * share).argmin()] for share in (0.25, 0.5, 1.0)]
    return [int(k) for k in dict.fromkeys(picks)]


def final_losses(suite: Suite, task: str, model: str) -> str:
    """The last logged training loss of each of the model's runs on the task, in seed order."""
    values = []
    for _, _, seed in [r for r in suite.runs_of(task) if r[1] == model]:
        log = suite.layout.file("train_log", task=task, model=model, seed=seed)
        values.append(f"{pd.read_csv(log)['loss'].iloc[-1]:.3f}" if log.is_file() else "-")
    return ", ".join(values)


def task_table(suite: Suite, task: str, curves: pd.DataFrame, scores: pd.DataFrame,
               ks: list[int] | None = None) -> str:
    """One task's Markdown table (see the module docstring)."""
    curves = curves[curves["task"] == task]
    scores = scores[scores["task"] == task].sort_values("score", ascending=False, na_position="last")
    ks = ks or default_ks(curves["k"].unique())
    reference = scores["reference"].iloc[0] if len(scores) else suite.reference(task)["name"]
    seeds = suite.seeds_of(task)
    seeds_label = ("seeds " if len(seeds) > 1 else "seed ") + ", ".join(str(s) for s in seeds)
    header = [""] + [f"k = {k}" for k in ks] + [f"ICL score vs {reference}", f"final training loss ({seeds_label})"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def errors(kind: str, name: str) -> list[str]:
        rows = curves[(curves["kind"] == kind) & (curves["name"] == name)].set_index("k")
        if kind == "baseline":
            return [f"{rows.loc[k, 'mean']:.3f}" if k in rows.index else "" for k in ks]
        return [interval(*rows.loc[k, ["mean", "low", "high"]]) if k in rows.index else "" for k in ks]

    for _, row in scores.iterrows():
        score = with_marks(interval(row["score"], row["low"], row["high"]), row["status"])
        cells = [row["model"], *errors("model", row["model"]), score, final_losses(suite, task, row["model"])]
        lines.append("| " + " | ".join(cells) + " |")
    for name in dict.fromkeys(curves.loc[curves["kind"] == "baseline", "name"]):
        lines.append("| " + " | ".join([name, *errors("baseline", name), "", ""]) + " |")
    return with_footnote("\n".join(lines) + "\n", scores["status"])


def ood_table(scores: pd.DataFrame) -> str:
    """Models x OOD entries: each model's ICL score [interval] against the entry's reference."""
    cells = scores.assign(cell=[with_marks(interval(*r[:3]), r[3]) for r in
                                scores[["score", "low", "high", "status"]].to_numpy()])
    references = dict(zip(scores["task"], scores["reference"]))
    table = cells.pivot(index="model", columns="task", values="cell")
    table = table.reindex(index=list(dict.fromkeys(scores["model"])), columns=list(references))
    table.columns = [f"{entry} (vs {references[entry]})" for entry in table.columns]
    return with_footnote(table.fillna("").to_markdown() + "\n", scores["status"])


def runs_table(suite: Suite) -> str:
    """Per task, the runs the tables cover: models grouped by their seeds."""
    lines = ["| task | runs | models: seeds |", "|---|---|---|"]
    for task in suite.tasks():
        runs = suite.runs_of(task)
        seeds: dict[str, list[int]] = {}
        for _, model, seed in runs:
            seeds.setdefault(model, []).append(seed)
        groups: dict[tuple[int, ...], list[str]] = {}
        for model, model_seeds in seeds.items():
            groups.setdefault(tuple(sorted(model_seeds)), []).append(model)
        cell = "; ".join(f"{', '.join(models)}: seed{'s' if len(group) > 1 else ''} {', '.join(map(str, group))}"
                         for group, models in groups.items())
        lines.append(f"| {task} | {len(runs)} | {cell} |")
    return "\n".join(lines) + "\n"


def check_written_for(csv: Path, found: set, wanted: set) -> None:
    """ValueError unless the rows ``found`` in ``csv`` (e.g. its (task, model) pairs) are the ``wanted``
    ones: a results folder shared by several configs (a suite's parts) holds the tables of whichever
    ran last there, which may not be this config's."""
    if found != wanted:
        names = sorted("/".join(map(str, row)) if isinstance(row, tuple) else str(row) for row in found)
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        raise ValueError(f"{csv} holds {shown or 'nothing'}, not what these config files run: it was written "
                         "for another config sharing the results folder; run the workflow with these files first")


def scores_of(suite: Suite, scores_csv: Path) -> pd.DataFrame:
    """The score table ``scores_csv`` (icl_scores.csv); ValueError unless it scores the suite's runs."""
    scores = pd.read_csv(scores_csv)
    check_written_for(scores_csv, set(zip(scores["task"], scores["model"])), {run[:2] for run in suite.runs})
    return scores


def source_note(suite: Suite, configfiles: list[str]) -> str:
    """The folder's README: the command that regenerates its tables and the runs they cover."""
    return (f"# Tables of the `{suite.name}` suite\n\n"
            f"Generated from `{suite.layout.root}/` (after the suite has run) by\n\n"
            f"```bash\npython -m hybrid_icl docs-tables --configfile {' '.join(configfiles)}\n```\n\n"
            f"They cover these runs:\n\n{runs_table(suite)}")


def write_doc_tables(suite: Suite, out: str | Path, ks: list[int] | None = None,
                     configfiles: list[str] | None = None) -> list[Path]:
    """Write every table the suite's results allow below ``out/<suite>/`` (``out/<suite>/<part>/`` when
    ``configfiles`` end with one of the suite's parts, so that parts do not overwrite each other), and
    a README naming the command (with ``configfiles``) and the runs; returns the files written. The
    folder's other Markdown files (from an earlier call) are removed: it holds only this call's tables.
    FileNotFoundError naming the score table if the suite has none yet."""
    path = suite.layout.path
    scores_csv = Path(path("scores", ext="csv"))
    if not scores_csv.is_file():
        raise FileNotFoundError(f"{scores_csv} does not exist: run the suite first (snakemake --configfile ...)")
    curves, scores = pd.read_csv(path("curves")), scores_of(suite, scores_csv)
    folder = Path(out) / suite.name / (part_of(suite.name, configfiles or []) or "")
    folder.mkdir(parents=True, exist_ok=True)
    tasks = list(dict.fromkeys(scores["task"]))
    written = []
    for task in tasks:
        written.append(folder / f"{task}.md")
        written[-1].write_text(task_table(suite, task, curves, scores, ks))
    ood_csv = Path(path("ood_scores", ext="csv"))
    if suite.ood_names() and ood_csv.is_file():
        ood_scores = pd.read_csv(ood_csv)
        check_written_for(ood_csv, set(ood_scores["task"]), set(suite.ood_names()))
        written.append(folder / "ood.md")
        written[-1].write_text(ood_table(ood_scores))
    written += copy_generated_tables(suite, folder, tasks)
    if configfiles:
        written.append(folder / "README.md")
        written[-1].write_text(source_note(suite, configfiles))
    for stale in set(folder.glob("*.md")) - set(written):
        stale.unlink()  # left by an earlier call under another config, or of a task dropped since
    return written


# Markdown tables the workflow writes, copied into the docs under these names.
GENERATED_TABLES = {"claims": "claims.md", "paper_comparison": "paper_comparison.md",
                    "secondary_scores": "secondary_scores.md"}


def generated_by(suite: Suite) -> list[str]:
    """The names in ``GENERATED_TABLES`` that the suite's workflow writes with something in them
    (``Suite.summary_targets``: claims only with a claims file, the comparison only with a model and
    task of the paper's table; secondary scores only with a task that has secondary metrics). A
    results folder shared with other configs (the parts of a suite) may hold the others, written for them."""
    summaries = suite.summary_targets()
    summaries["secondary_scores"] = any(suite.secondary_metrics(task) for task in suite.tasks())
    return [name for name in GENERATED_TABLES if summaries[name]]


def any_claim_run(suite: Suite) -> bool:
    """Whether the suite's claims table (its CSV, when written) decides at least one claim: a part of
    a suite may train none of the claims' models and tasks."""
    csv = suite.layout.file("claims", ext="csv")
    return not csv.is_file() or bool((pd.read_csv(csv, usecols=["verdict"])["verdict"] != NOT_RUN).any())


def copy_generated_tables(suite: Suite, folder: Path, tasks: list[str]) -> list[Path]:
    """Copy the suite's own Markdown tables that exist (see ``generated_by``; claims only when
    ``any_claim_run``), and each task's closest baselines as ``<task>_closest_baselines.md``, into
    ``folder``; returns the copies."""
    names = [name for name in generated_by(suite) if name != "claims" or any_claim_run(suite)]
    sources = [(suite.layout.file(name, ext="md"), folder / GENERATED_TABLES[name]) for name in names]
    sources += [(suite.layout.file("closest_baselines", task=task, ext="md"), folder / f"{task}_closest_baselines.md")
                for task in tasks]
    written = []
    for source, target in sources:
        if source.is_file():
            written.append(Path(shutil.copyfile(source, target)))
    return written
