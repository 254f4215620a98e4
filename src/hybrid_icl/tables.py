"""Aggregating per-run error tables into curves and ICL regression scores with intervals."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .artifacts import load_parquet
from .config import stable_seed
from .marks import (
    COMPLETED,
    LATEX_SYMBOLS,
    diverged_status,
    footnote,
    joined,
    marked_rows,
    marks,
    no_reference_status,
    reasons,
    symbols,
    undefined_status,
    with_footnote,
    with_marks,
)
from .scores import bootstrap_weights, curve_with_interval, score_with_interval

CURVE_COLUMNS = ["task", "kind", "name", "k", "mean", "low", "high", "n_seeds"]
SCORE_COLUMNS = ["task", "model", "reference", "score", "low", "high", "n_seeds", "status", "mark"]


def resampling_seed(*labels) -> int:
    """The bootstrap seed of one curve, from its labels (e.g. task, kind, name): a curve's interval
    does not depend on which other models, tasks or baselines are summarised with it."""
    return stable_seed("bootstrap", *labels)


def read_tables(paths: Iterable[str | Path]) -> pd.DataFrame:
    frames = [load_parquet(p) for p in paths]  # page checksums verified; a bad file is named
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cube(frame: pd.DataFrame, seeds: list[int]) -> np.ndarray:
    """Tidy errors of one source -> array (S, P, K) ordered by seed, prompt, k."""
    table = frame.pivot_table(index=["seed", "prompt"], columns="k", values="error", aggfunc="first")
    table = table.loc[seeds]
    n_prompts = table.index.get_level_values("prompt").nunique()
    return table.to_numpy().reshape(len(seeds), n_prompts, -1)


def positions(frame: pd.DataFrame) -> np.ndarray:
    """The sorted context lengths k present in a tidy error table."""
    return np.sort(frame["k"].unique())


def run_status(models: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, model, seed) with its training status."""
    return models.groupby(["task", "model", "seed"], as_index=False)["status"].first()


def summarise(
    models: pd.DataFrame,
    baselines: pd.DataFrame,
    references: dict[str, dict],
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Curves (models and baselines, mean and interval per k) and ICL scores per (task, model).

    models: tidy model errors with columns task, model, seed, status, prompt, k, error.
    baselines: tidy baseline errors with columns task, seed, baseline, prompt, k, error.
    references: task -> {"kind": "baseline" | "model", "name": ...}, the score's denominator.
    """
    curves, scores = [], []
    status = run_status(models)
    for task, task_models in models.groupby("task", sort=False):
        task_base = baselines[baselines["task"] == task]
        task_status = status[status["task"] == task]
        ref = references[task]
        ref_source = task_models[task_models["model"] == ref["name"]] if ref["kind"] == "model" else task_base[
            task_base["baseline"] == ref["name"]
        ]
        ref_seeds = set(completed_seeds(ref_source)) if ref["kind"] == "model" else set(ref_source["seed"])
        zero_seeds = set(task_base.loc[task_base["baseline"] == "zero", "seed"])
        for model, runs in task_status.groupby("model", sort=False):
            good = sorted(runs.loc[runs["status"] == "completed", "seed"])
            bad = len(runs) - len(good)
            diverged = [diverged_status(bad, len(runs))] if bad else []
            row = {"task": task, "model": model, "reference": ref["name"], "n_seeds": len(good)}
            mine = task_models[(task_models["model"] == model) & task_models["seed"].isin(good)]
            if good:
                errors = cube(mine, good)
                weights = bootstrap_weights(len(good), errors.shape[1], n_boot, resampling_seed(task, "model", model))
                curves.append(curve_frame(task, "model", model, positions(mine), errors, weights, confidence))
            paired = [s for s in good if s in ref_seeds and s in zero_seeds]
            if not paired:
                lacking = "zero" if ref_seeds.intersection(good) else ref["name"]
                why = diverged + ([no_reference_status(lacking)] if good else [])
                scores.append({**row, "score": np.nan, "low": np.nan, "high": np.nan, "status": joined(why)})
                continue
            weights = bootstrap_weights(len(paired), errors.shape[1], n_boot, resampling_seed(task, "score", model))
            zero = cube(task_base[(task_base["baseline"] == "zero")], paired)
            base = cube(ref_source, paired)
            score, low, high = score_with_interval(cube(mine, paired), zero, base, weights, confidence)
            why = diverged + ([] if np.isfinite(score) else [undefined_status(ref["name"])])
            scores.append({**row, "n_seeds": len(paired), "score": score, "low": low, "high": high,
                           "status": joined(why)})
        for name, rows in task_base.groupby("baseline", sort=False):
            seeds = sorted(rows["seed"].unique())
            errors = cube(rows, seeds)
            weights = bootstrap_weights(len(seeds), errors.shape[1], n_boot, resampling_seed(task, "baseline", name))
            curves.append(curve_frame(task, "baseline", name, positions(rows), errors, weights, confidence))
    curve_table = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_COLUMNS)
    score_table = pd.DataFrame(scores, columns=SCORE_COLUMNS)
    score_table["mark"] = score_table["status"].map(symbols)
    return curve_table, score_table


def secondary_summaries(
    models: pd.DataFrame,
    baselines: pd.DataFrame,
    references: dict[str, dict],
    metrics: list[str],
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``summarise`` by each secondary metric (a column of the error tables), with a ``metric`` column.

    The same references, seeds and bootstrap as the primary score; only the error column differs.
    Returns (curves, scores): ``summarise``'s columns after a first column ``metric``.
    """
    curves, scores = [], []
    for metric in metrics:
        for frame in (models, baselines):
            if metric not in frame.columns:
                raise ValueError(
                    f"error tables have no column {metric!r} (columns: {list(frame.columns)}): they were written "
                    "before the task declared this metric; rerun the task's evaluate and baselines jobs "
                    "(snakemake --forcerun evaluate baselines ...)"
                )
        metric_curves, metric_scores = summarise(
            models.assign(error=models[metric]), baselines.assign(error=baselines[metric]), references, n_boot,
            confidence,
        )
        metric_curves.insert(0, "metric", metric)
        metric_scores.insert(0, "metric", metric)
        curves.append(metric_curves)
        scores.append(metric_scores)
    if not metrics:
        return pd.DataFrame(columns=["metric", *CURVE_COLUMNS]), pd.DataFrame(columns=["metric", *SCORE_COLUMNS])
    return pd.concat(curves, ignore_index=True), pd.concat(scores, ignore_index=True)


def completed_seeds(model_rows: pd.DataFrame) -> list[int]:
    return sorted(model_rows.loc[model_rows["status"] == "completed", "seed"].unique())


def curve_frame(
    task: str, kind: str, name: str, ks: np.ndarray, errors: np.ndarray, weights: np.ndarray, confidence: float
) -> pd.DataFrame:
    """Mean curve and interval of errors (S, P, K) at context lengths ks (K,) as a tidy table."""
    mean, low, high = curve_with_interval(errors, weights, confidence)
    return pd.DataFrame(
        {"task": task, "kind": kind, "name": name, "k": ks, "mean": mean, "low": low, "high": high,
         "n_seeds": errors.shape[0]}
    )


def write_score_tables(curves: pd.DataFrame, scores: pd.DataFrame, curves_path: str, scores_path: str,
                       markdown_path: str | None = None, latex_path: str | None = None,
                       confidence: float = 0.95) -> None:
    """Write curves and scores as CSV and, when paths are given, the scores as Markdown and LaTeX
    (``confidence``: the intervals' level, named in the Markdown note)."""
    from .atomic import atomic_write_text
    from .evaluate import write_table

    write_table(curves, curves_path)
    write_table(scores, scores_path)
    if markdown_path:
        atomic_write_text(markdown_path, scores_markdown(scores, confidence))
    if latex_path:
        atomic_write_text(latex_path, scores_latex(scores))


def scores_markdown(scores: pd.DataFrame, confidence: float = 0.95, caption: str | None = None) -> str:
    """Models x tasks table of 'score [low, high]' for papers and READMEs; the caption (default: the
    ICL score's, naming the intervals' ``confidence`` level); a marked cell states its reason, and the
    footnote explains only the marks that appear."""
    def cell(row) -> str:
        value = "—" if np.isnan(row["score"]) else f"{row['score']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
        return with_marks(value, row["status"])

    if scores.empty:
        return "_no runs_\n"
    table = scores.assign(cell=scores.apply(cell, axis=1)).pivot(index="model", columns="task", values="cell")
    table = table.reindex(index=list(dict.fromkeys(scores["model"])), columns=list(dict.fromkeys(scores["task"])))
    if caption is None:
        caption = f"ICL regression score with its {100 * confidence:g}% interval (seeds and prompts)."
    return with_footnote(table.fillna("").to_markdown() + f"\n\n{caption}\n", scores["status"])


def secondary_scores_markdown(scores: pd.DataFrame, confidence: float = 0.95) -> str:
    """One models x tasks table per secondary metric, each captioned with the metric's name."""
    from .metrics import metric_label

    if scores.empty:
        return "_no secondary metrics in this suite_\n"
    sections = []
    for metric, rows in scores.groupby("metric", sort=False):
        caption = (f"ICL regression score by {metric_label(metric)} (`{metric}`), a secondary metric tabulated "
                   f"apart from the primary score; {100 * confidence:g}% intervals (seeds and prompts).")
        sections.append(f"### {metric}\n\n" + scores_markdown(rows.drop(columns="metric"), caption=caption))
    return "\n".join(sections)


def latex_escape(text: str) -> str:
    return text.replace("_", r"\_")


def scores_latex(scores: pd.DataFrame) -> str:
    """The models x tasks score table as a LaTeX tabular (booktabs), intervals in brackets."""
    if scores.empty:
        return "% no runs\n"
    tasks = list(dict.fromkeys(scores["task"]))
    models = list(dict.fromkeys(scores["model"]))
    lookup = {(r["model"], r["task"]): r for _, r in scores.iterrows()}

    def cell(model: str, task: str) -> str:
        row = lookup.get((model, task))
        if row is None:
            return ""
        value = "---" if not np.isfinite(row["score"]) else (
            f"{row['score']:.2f} \\scriptsize{{[{row['low']:.2f}, {row['high']:.2f}]}}")
        marked = "".join(LATEX_SYMBOLS[m.symbol] for m in marks(row["status"]))
        return f"{value}$^{{{marked}}}$" if marked else value

    lines = [
        r"\begin{tabular}{l" + "c" * len(tasks) + "}",
        r"\toprule",
        "Model & " + " & ".join(latex_escape(t) for t in tasks) + r" \\",
        r"\midrule",
        *(latex_escape(m) + " & " + " & ".join(cell(m, t) for t in tasks) + r" \\" for m in models),
        r"\bottomrule",
        *latex_notes(scores, len(tasks) + 1),
        r"\end{tabular}",
    ]
    return "\n".join(lines) + "\n"


def latex_notes(scores: pd.DataFrame, columns: int) -> list[str]:
    """Table rows under the rule: each marked cell's reason, then what each mark that appears means."""
    cells = [(f"{r['model']} on {r['task']}", r["status"]) for _, r in scores.iterrows()]
    lines = [
        "".join(LATEX_SYMBOLS[m.symbol] for m in marks(status)) + rf"\ {latex_escape(f'{label}: {reasons(status)}')}"
        for label, status in cells if status != COMPLETED
    ]
    lines += [latex_escape(line) for line in footnote(scores["status"], latex=True).splitlines()]
    return [rf"\multicolumn{{{columns}}}{{l}}{{\footnotesize {line}}} \\" for line in lines]


def progress_summary(models: pd.DataFrame, baselines: pd.DataFrame, n_boot: int = 1000,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Error (mean over scored positions) vs training step per model, with intervals over seeds and prompts.

    models: columns model, seed, step, prompt, error and (optionally) status; only completed runs are
    summarised. baselines: tidy baseline errors of the task (columns seed, baseline, prompt, k, error),
    summarised as flat lines (step = -1). Returns columns kind, name, step, mean, low, high, n_seeds,
    n_runs (seeds trained, diverged ones included); a model none of whose runs completed keeps one row
    with n_seeds 0 and no values, so figures can say it diverged.
    """
    rows = []
    for model, every in models.groupby("model", sort=False):
        n_runs = every["seed"].nunique()
        frame = every[every["status"] == COMPLETED] if "status" in every else every
        if frame.empty:
            rows.append(pd.DataFrame({"kind": "model", "name": model, "step": [np.nan], "mean": np.nan,
                                      "low": np.nan, "high": np.nan, "n_seeds": 0, "n_runs": n_runs}))
            continue
        seeds = sorted(frame["seed"].unique())
        errors = cube(frame.rename(columns={"step": "k"}), seeds)
        weights = bootstrap_weights(len(seeds), errors.shape[1], n_boot, resampling_seed("progress", "model", model))
        mean, low, high = curve_with_interval(errors, weights, confidence)
        steps = positions(frame.rename(columns={"step": "k"}))
        rows.append(pd.DataFrame({"kind": "model", "name": model, "step": steps, "mean": mean, "low": low,
                                  "high": high, "n_seeds": len(seeds), "n_runs": n_runs}))
    for name, frame in baselines.groupby("baseline", sort=False):
        per_prompt = frame.groupby(["seed", "prompt"], as_index=False)["error"].mean().assign(k=-1)
        seeds = sorted(per_prompt["seed"].unique())
        errors = cube(per_prompt, seeds)
        weights = bootstrap_weights(len(seeds), errors.shape[1], n_boot, resampling_seed("progress", "baseline", name))
        mean, low, high = curve_with_interval(errors, weights, confidence)
        rows.append(pd.DataFrame({"kind": "baseline", "name": name, "step": [-1], "mean": mean, "low": low,
                                  "high": high, "n_seeds": len(seeds), "n_runs": len(seeds)}))
    return pd.concat(rows, ignore_index=True)
