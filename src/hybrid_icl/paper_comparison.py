"""Our ICL regression scores beside the paper's (arXiv 2411.03945, Table 3), cell by cell.

The paper's cells are package data (``data/paper_table3.csv``): one row per (architecture, task
kind) with the paper's row number, its value ("-" where the paper has none), whether the model is
the column's reference (1 by definition), the column's reference and its legible interval half-width.
A suite's cells are matched by each model's ``arch`` and each task's ``kind``. Two tables come out:

- the comparison: our score [interval] beside the paper's value, flagging cells where the paper's
  value lies outside our interval and cells whose reference differs from the paper's;
- the order per task: over the models both have, how many model pairs the two order alike,
  oppositely or with a tie, and Kendall's tau-b, with the pairs whose order differs.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from importlib import resources
from itertools import combinations

import numpy as np
import pandas as pd

PAPER_TABLE = "data/paper_table3.csv"
PAPER_SOURCE = "arXiv 2411.03945, Table 3"
# The paper's model size (section 3.1); a suite whose compared models all have it runs at paper scale.
PAPER_SCALE = {"n_layer": 12, "d_model": 256}
COMPARISON_COLUMNS = [
    "task", "kind", "model", "arch", "paper_row", "score", "low", "high", "n_seeds", "reference",
    "paper_value", "paper_half_width", "paper_reference", "paper_is_reference", "same_reference",
    "paper_outside_interval", "status",
]  # fmt: skip
ORDER_COLUMNS = ["task", "kind", "n_models", "n_pairs", "agree", "disagree", "tied", "kendall_tau_b", "disagreeing_pairs"]


def paper_table() -> pd.DataFrame:
    """The paper's Table 3 as data: columns row (str), paper_model, arch, task (kind), value (NaN
    where the paper has "-"), is_reference, reference, half_width (NaN where not legible), source."""
    with resources.files("hybrid_icl").joinpath(PAPER_TABLE).open() as handle:
        table = pd.read_csv(handle, dtype={"row": str}, na_values={"value": ["-"]})
    return table.rename(columns={"task": "kind"})


def at_paper_scale(model_settings: dict[str, dict]) -> bool:
    """Whether every given model (name -> settings with n_layer, d_model) has the paper's size."""
    return bool(model_settings) and all(
        all(settings.get(key) == value for key, value in PAPER_SCALE.items()) for settings in model_settings.values()
    )


@dataclass(frozen=True)
class ComparisonSetup:
    """What the comparison of one suite needs: each task's kind, each model's architecture (None
    for an inline recipe), the models that have a paper cell, and whether they have the paper's size."""

    kinds: dict[str, str]
    archs: dict[str, str | None]
    models: list[str]
    paper_scale: bool


def comparison_setup(suite) -> ComparisonSetup:
    """The comparison setup of a ``hybrid_icl.suite.Suite``: its models trained on a task kind of the
    paper's table and built from one of its architectures."""
    paper = paper_table()
    kinds = {task: suite.task_settings(task)["kind"] for task in suite.tasks()}
    archs = {model: suite.model_settings(model).get("arch") for model in suite.models()}
    compared = list(dict.fromkeys(
        m for t, m, _ in suite.runs if kinds[t] in set(paper["kind"]) and archs.get(m) in set(paper["arch"])
    ))  # fmt: skip
    return ComparisonSetup(kinds, archs, compared, at_paper_scale({m: suite.model_settings(m) for m in compared}))


def compare(scores: pd.DataFrame, task_kinds: dict[str, str], model_archs: dict[str, str]) -> pd.DataFrame:
    """Our scores (icl_scores.csv: task, model, reference, score, low, high, n_seeds, status) beside
    the paper's cell of the same task kind and architecture; rows without a paper cell are dropped."""
    paper = paper_table()
    ours = scores.assign(kind=scores["task"].map(task_kinds), arch=scores["model"].map(model_archs))
    merged = ours.merge(paper, on=["kind", "arch"], how="inner", suffixes=("", "_paper"))
    merged = merged.rename(
        columns={"row": "paper_row", "value": "paper_value", "half_width": "paper_half_width",
                 "reference_paper": "paper_reference", "is_reference": "paper_is_reference"}
    )  # fmt: skip
    # a model that is its task's reference in both scores 1 by definition in both
    reference_here = merged["reference"] == merged["model"]
    merged["same_reference"] = (merged["reference"] == merged["paper_reference"]) | (
        reference_here & merged["paper_is_reference"]
    )
    known = merged["paper_value"].notna() & merged["low"].notna()
    outside = (merged["paper_value"] < merged["low"]) | (merged["paper_value"] > merged["high"])
    merged["paper_outside_interval"] = outside.where(known)
    return merged[COMPARISON_COLUMNS].reset_index(drop=True)


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b of two paired samples (ties in either corrected for); NaN when undefined."""
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        ties_x += dx == 0
        ties_y += dy == 0
        concordant += dx * dy > 0
        discordant += dx * dy < 0
    n_pairs = len(x) * (len(x) - 1) // 2
    denominator = math.sqrt((n_pairs - ties_x) * (n_pairs - ties_y))
    return (concordant - discordant) / denominator if denominator else float("nan")


def order_agreement(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per task: over the models with both our score and the paper's value, how many pairs are
    ordered alike (agree), oppositely (disagree) or tied in either table (tied, at the paper's
    three decimals), Kendall's tau-b, and the disagreeing pairs as 'a > b here, < in the paper'."""
    rows = []
    for task, cells in comparison.groupby("task", sort=False):
        both = cells.dropna(subset=["score", "paper_value"])
        ours, paper, names = both["score"].to_numpy(), both["paper_value"].to_numpy(), list(both["model"])
        counts = {"agree": 0, "disagree": 0, "tied": 0}
        disagreeing = []
        for i, j in combinations(range(len(names)), 2):
            here, there = np.sign(round(ours[i] - ours[j], 3)), np.sign(round(paper[i] - paper[j], 3))
            if here == 0 or there == 0:
                counts["tied"] += 1
            elif here == there:
                counts["agree"] += 1
            else:
                counts["disagree"] += 1
                sign = ">" if here > 0 else "<"
                disagreeing.append(f"{names[i]} {sign} {names[j]}")
        rows.append({"task": task, "kind": cells["kind"].iloc[0], "n_models": len(names),
                     "n_pairs": len(names) * (len(names) - 1) // 2, **counts,
                     "kendall_tau_b": kendall_tau_b(ours.round(3), paper),
                     "disagreeing_pairs": "; ".join(disagreeing)})  # fmt: skip
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


def comparison_caption(paper_scale: bool) -> str:
    """What the comparison shows and how far absolute values can match at this suite's scale."""
    base = (
        f"Our ICL regression score [95% interval over seeds and prompts] beside the paper's value ({PAPER_SOURCE}; "
        "one training run per cell, interval legible only for linear, ±0.001). ✗: the paper's value lies outside "
        "our interval. ≠ref: our reference differs from the paper's for that column. * marks the paper's reference "
        "model (1 by definition). Order: model pairs ranked alike here and in the paper (agree), oppositely "
        "(disagree; listed as ranked here) or tied at three decimals in either (tied)."
    )
    if paper_scale:
        return base + " Our models have the paper's size (12 layers, width 256)."
    return base + (
        " This suite runs below the paper's scale (smaller models, dimensions and budgets), so absolute values are "
        "not expected to match; the order table says, per task, whether the models rank as in the paper."
    )


def comparison_grid(comparison: pd.DataFrame) -> pd.DataFrame:
    """Models (with the paper's row number) x tasks, each cell 'ours [low, high] · paper value marks'."""

    def cell(row) -> str:
        ours = "—" if pd.isna(row["score"]) else f"{row['score']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"
        paper = "–" if pd.isna(row["paper_value"]) else f"{row['paper_value']:.3f}"
        paper += "*" if row["paper_is_reference"] else ""
        outside = row["paper_outside_interval"]
        marks = " ✗" if pd.notna(outside) and bool(outside) else ""
        marks += "" if row["same_reference"] else " ≠ref"
        return f"{ours} · paper {paper}{marks}"

    table = comparison.assign(cell=comparison.apply(cell, axis=1),
                              label=comparison["model"] + " (" + comparison["paper_row"] + ")")  # fmt: skip
    grid = table.pivot(index="label", columns="task", values="cell").rename_axis(index="model (paper row)")
    return grid.reindex(index=list(dict.fromkeys(table["label"])), columns=list(dict.fromkeys(table["task"])))


def comparison_markdown(comparison: pd.DataFrame, order: pd.DataFrame, paper_scale: bool) -> str:
    """The comparison as a models x tasks Markdown table, then the order table, then the caption."""
    caption = comparison_caption(paper_scale)
    if comparison.empty:
        return f"_no model or task of this suite is in {PAPER_SOURCE}_\n\n{caption}\n"
    return (
        "## Our scores beside the paper's\n\n" + comparison_grid(comparison).fillna("").to_markdown() + "\n\n"
        "## Order of the models per task\n\n" + order.round({"kendall_tau_b": 3}).to_markdown(index=False)
        + f"\n\n{caption}\n"
    )


def comparison_html(comparison: pd.DataFrame, order: pd.DataFrame, paper_scale: bool) -> str:
    """The same tables as an HTML page (for the Snakemake report), the caption first."""
    body = f"<p>{html.escape(comparison_caption(paper_scale))}</p>\n"
    if comparison.empty:
        body += f"<p>No model or task of this suite is in {PAPER_SOURCE}.</p>\n"
    else:
        body += (
            "<h3>Our scores beside the paper's</h3>\n" + comparison_grid(comparison).fillna("").to_html()
            + "\n<h3>Order of the models per task</h3>\n" + order.round({"kendall_tau_b": 3}).to_html(index=False)
        )
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'

