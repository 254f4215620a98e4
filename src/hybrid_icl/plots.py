"""Paper-style figures: error versus in-context examples, training loss, score heat-map.

Every figure is saved as a PDF (vector, for papers) and a PNG (for the HTML report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .atomic import atomic_path  # noqa: E402
from .marks import diverged_status, footnote, marked_rows, symbols  # noqa: E402
from .metrics import metric_label  # noqa: E402

STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
}
# Models: solid lines in tab10's nine hues (its grey is left to the baselines); from the tenth model
# on, the hues repeat with a marker, so up to 45 models stay distinguishable in one figure.
# Baselines: greys, each with its own dash pattern.
MODEL_COLOURS = tuple(colour for i, colour in enumerate(plt.get_cmap("tab10").colors) if i != 7)
MODEL_MARKERS = (None, "o", "s", "^", "D")
BASELINE_COLOURS = ("0.15", "0.4", "0.58", "0.72")
BASELINE_DASHES = ("--", "-.", ":", (0, (6, 2)), (0, (3, 1, 1, 1, 1, 1)))


def save(fig: plt.Figure, pdf: str | Path, png: str | Path) -> None:
    """Write the figure as PDF and PNG, each atomically (never a half-written file under its name)."""
    for path in (pdf, png):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=Path(path).suffix.lstrip("."), bbox_inches="tight", dpi=200)
    plt.close(fig)


@dataclass(frozen=True)
class LineStyle:
    """How one predictor is drawn in every figure: colour, marker (None: plain line) and dash pattern."""

    colour: object
    marker: str | None = None
    dashes: object = "-"

    @property
    def baseline(self) -> bool:
        return self.dashes != "-"


def model_styles(names: list[str]) -> dict[str, LineStyle]:
    """Solid lines; hue i mod 9, marker after every nine models (stable for a given name order).

    Figures pass the models they draw (``drawn_models``), so up to nine models always get nine
    different hues, and a task's error, loss and progress figures, which draw the same runs, agree."""
    n = len(MODEL_COLOURS)
    return {name: LineStyle(MODEL_COLOURS[i % n], MODEL_MARKERS[(i // n) % len(MODEL_MARKERS)])
            for i, name in enumerate(names)}


def drawn_models(present: Iterable[str], order: list[str] | None = None) -> list[str]:
    """The models a figure draws (``present``, repeats allowed), in the suite's order (``order``, e.g.
    the config's models), then any others in the order they first appear."""
    present = list(dict.fromkeys(present))
    ranked = [m for m in order or [] if m in present]
    return ranked + [m for m in present if m not in ranked]


def baseline_styles(names: list[str]) -> dict[str, LineStyle]:
    """Grey dashed lines; grey shade and dash pattern cycle independently (20 distinct pairs)."""
    return {name: LineStyle(BASELINE_COLOURS[i % len(BASELINE_COLOURS)], None,
                            BASELINE_DASHES[i % len(BASELINE_DASHES)]) for i, name in enumerate(names)}


def status_by_model(scores: pd.DataFrame | None, task: str) -> dict[str, str]:
    """model -> the status of its score row on ``task`` (see marks.py); empty without a score table."""
    if scores is None:
        return {}
    rows = scores[scores["task"] == task]
    return dict(zip(rows["model"], rows["status"]))


def marked_label(label: str, status: str | None) -> str:
    """A legend or row label with the marks of its status appended ('mamba (1 seed) †')."""
    marked = symbols(status) if status else ""
    return f"{label} {marked}" if marked else label


def add_mark_notes(fig: plt.Figure, statuses: dict[str, str], drawn: Iterable[str] = (), top: float = -0.01) -> None:
    """Under the figure: each marked entry's reason ('(not drawn)' for a model with no curve), then what
    the marks that appear mean; nothing when no entry is marked."""
    drawn = set(drawn)
    labels = {name: name if name in drawn else f"{name} (not drawn)" for name in statuses}
    lines = marked_rows((labels[name], status) for name, status in statuses.items())
    if lines:
        notes = "\n".join(lines + footnote(statuses.values()).splitlines())
        fig.text(0.01, top, notes, ha="left", va="top", fontsize=6.0)


def error_curves_figure(curves: pd.DataFrame, task: str, metric: str = "mse", reference: str | None = None,
                        model_order: list[str] | None = None, scores: pd.DataFrame | None = None) -> plt.Figure:
    """Mean error vs number of in-context examples, models solid and baselines dashed, with bands.

    With the task's ``scores`` table, models with diverged seeds (or an undefined score) are marked
    as in the score tables, and a model with no curve left is named under the figure."""
    statuses = status_by_model(scores, task)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        dot_plot = error_curves_axes(ax, curves, task, metric, reference, model_order, statuses=statuses)
        if not dot_plot:  # a dot plot names its rows itself
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        mine = curves[(curves["task"] == task) & (curves["kind"] == "model")]
        add_mark_notes(fig, statuses, drawn=mine["name"])
        return fig


def error_curves_axes(ax, curves: pd.DataFrame, task: str, metric: str = "mse", reference: str | None = None,
                      model_order: list[str] | None = None, seed_counts: bool = True,
                      model_style: dict[str, LineStyle] | None = None,
                      statuses: dict[str, str] | None = None) -> bool:
    """Draw one task's model and baseline curves on ``ax``; ``model_style`` shares styles across
    panels (default: ``model_styles`` of the models drawn here); ``statuses`` (model -> score status)
    adds the marks of the score tables to the labels.

    Returns True when the task scores a single query and was drawn as a dot plot (rows labelled)."""
    mine = curves[curves["task"] == task]
    models = drawn_models(mine.loc[mine["kind"] == "model", "name"], model_order)
    model_style = model_style or model_styles(models)
    baselines = list(dict.fromkeys(mine.loc[mine["kind"] == "baseline", "name"]))
    base_style = baseline_styles(list(dict.fromkeys(curves.loc[curves["kind"] == "baseline", "name"])))
    single_point = mine["k"].nunique() == 1
    row_labels = {}  # (kind, name) -> legend / row label
    for name in baselines:
        rows = mine[(mine["kind"] == "baseline") & (mine["name"] == name)]
        row_labels["baseline", name] = f"{name} (reference)" if name == reference else name
        draw(ax, rows, base_style[name], row_labels["baseline", name], single=single_point)
    for name in models:
        rows = mine[(mine["kind"] == "model") & (mine["name"] == name)]
        seeds = int(rows["n_seeds"].iloc[0])
        label = f"{name} ({seeds} seed{'s' * (seeds > 1)})" if seed_counts else name
        row_labels["model", name] = marked_label(label, (statuses or {}).get(name))
        draw(ax, rows, model_style[name], row_labels["model", name], single=single_point)
    ax.set_title(task)
    zero = mine[(mine["kind"] == "baseline") & (mine["name"] == "zero")]
    # Keep the informative range: a few noisy estimators can spike far above the zero predictor.
    top = 2.0 * zero["high"].max() if not zero.empty and metric == "mse" else None
    if single_point:  # one scored query (retrieval): a dot plot, one row per predictor, top to bottom
        ax.set_xlabel(f"{metric_label(metric)}, query after k = {int(mine['k'].iloc[0])} examples")
        ax.set_xlim(left=-0.03 * (top or mine["high"].max()), right=top)  # room for markers at 0
        if top is not None:
            mark_off_scale(ax, mine, top, row_labels)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=min(9.0, 120.0 / max(1, len(baselines) + len(models))))  # rows fit
        return True
    ax.set_xlabel("in-context examples k")
    ax.set_ylabel(metric_label(metric))
    ax.set_ylim(bottom=0, top=top)
    return False


def ood_panels_figure(curves: pd.DataFrame, panels: dict[str, str], model_order: list[str],
                      scores: pd.DataFrame | None = None) -> plt.Figure:
    """One error-curve panel per OOD evaluation (name -> metric), a shared legend below; with the OOD
    ``scores``, marked entries are noted under the figure as in the score tables."""
    n = max(1, len(panels))
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.7 * rows), squeeze=False)
        shown = curves[curves["task"].isin(list(panels)) & (curves["kind"] == "model")]
        styles = model_styles(drawn_models(shown["name"], model_order))  # one style per model, all panels
        for ax, (name, metric) in zip(axes.flat, panels.items()):
            error_curves_axes(ax, curves, name, metric, None, model_order, seed_counts=False, model_style=styles)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        handles, labels = {}, []
        for ax in axes.flat:
            for h, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, h)
        legend_bottom = -0.02 - 0.03 * (len(handles) // 4)
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=4, frameon=False,
                   bbox_to_anchor=(0.5, legend_bottom))
        fig.tight_layout(rect=(0, 0.08, 1, 1))
        if scores is not None:  # under the legend
            cells = {f"{r['model']} on {r['task']}": r["status"] for _, r in scores.iterrows()}
            drawn = {f"{r['name']} on {r['task']}" for _, r in shown.drop_duplicates(["task", "name"]).iterrows()}
            add_mark_notes(fig, cells, drawn, top=legend_bottom - 0.03)
        return fig


def mark_off_scale(ax, rows: pd.DataFrame, right: float, row_labels: dict[tuple[str, str], str]) -> None:
    """Dot plot: print the mean of each predictor beyond the axis's right end on its row, by the edge.

    rows: the task's curve rows (one k); row_labels: (kind, name) -> the row's label on the y axis."""
    for _, row in rows[rows["mean"] > right].iterrows():
        ax.annotate(f"{row['mean']:.3g} \u2192", xy=(right, row_labels[(row["kind"], row["name"])]), xytext=(-2, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=7)


def draw(ax, rows: pd.DataFrame, style: LineStyle, label: str, single: bool = False) -> None:
    """One curve with its confidence band (or a point with an error bar when only one k is scored)."""
    if single:
        mean = rows["mean"].to_numpy()
        err = np.vstack([mean - rows["low"].to_numpy(), rows["high"].to_numpy() - mean])
        fmt = "s" if style.baseline else (style.marker or "o")
        ax.errorbar(mean, [label], xerr=err, fmt=fmt, color=style.colour, capsize=3, label=label)
        return
    ax.plot(rows["k"], rows["mean"], color=style.colour, lw=1.0 if style.baseline else 1.6, ls=style.dashes,
            label=label, **marker_kwargs(style, len(rows)))
    ax.fill_between(rows["k"], rows["low"], rows["high"], color=style.colour, alpha=0.12 if style.baseline else 0.22,
                    lw=0)


def marker_kwargs(style: LineStyle, n_points: int) -> dict:
    """Plot keywords for a style's marker: about eight markers along a line, none for a plain style."""
    if style.marker is None:
        return {}
    return {"marker": style.marker, "ms": 3.5, "markevery": max(1, n_points // 8)}


def loss_curves_figure(logs: dict[str, pd.DataFrame], task: str, model_order: list[str] | None = None) -> plt.Figure:
    """Training loss vs step per model (seeds as thin lines), log scale, curriculum changes marked.

    logs: "<model>/s<seed>" -> training log (step, loss, d_active, n_points)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        def model_of(label: str) -> str:
            return label.split("/s")[0]

        names = drawn_models(map(model_of, logs), model_order)
        styles = model_styles(names)
        shown = set()
        for label, log in sorted(logs.items(), key=lambda item: names.index(model_of(item[0]))):  # legend order
            name = model_of(label)
            if log.empty:
                continue
            ax.plot(log["step"], log["loss"], color=styles[name].colour, lw=1.0, alpha=0.85,
                    label=None if name in shown else name, **marker_kwargs(styles[name], len(log)))
            shown.add(name)
        first = next((log for log in logs.values() if not log.empty), None)
        if first is not None:
            changes = first["step"][(first["d_active"].diff() > 0) | (first["n_points"].diff() > 0)]
            for step in changes:
                ax.axvline(step, color="0.85", lw=0.6, zorder=0)
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("training loss (normalised)")
        ax.set_title(f"{task}: training loss (grey lines: curriculum steps)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return fig


def score_heatmap_figure(scores: pd.DataFrame) -> plt.Figure:
    """Models x tasks ICL regression scores, annotated with their intervals."""
    models = list(dict.fromkeys(scores["model"]))
    tasks = list(dict.fromkeys(scores["task"]))
    grid = scores.pivot(index="model", columns="task", values="score").reindex(index=models, columns=tasks)
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(1.3 + 1.25 * len(tasks), 0.9 + 0.42 * len(models)))
        image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", vmin=0.0, vmax=1.05, aspect="auto")
        ax.set_xticks(range(len(tasks)), tasks, rotation=30, ha="right")
        ax.set_yticks(range(len(models)), models)
        for _, row in scores.iterrows():
            i, j = models.index(row["model"]), tasks.index(row["task"])
            marked = symbols(row["status"])
            text = (f"{row['score']:.2f}{marked}\n[{row['low']:.2f}, {row['high']:.2f}]" if np.isfinite(row["score"])
                    else f"\u2014{marked}")
            light = np.isfinite(row["score"]) and row["score"] < 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=6.5, color="white" if light else "black")
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="ICL regression score")
        ax.set_title("ICL regression score (1 = reference baseline, 0 = zero predictor)")
        cells = {f"{r['model']} on {r['task']}": r["status"] for _, r in scores.iterrows()}
        add_mark_notes(fig, cells, drawn=cells)
        return fig


def progress_statuses(progress: pd.DataFrame) -> dict[str, str]:
    """model -> status from a progress table's seed counts ('diverged in 1/2 seeds' or 'completed')."""
    rows = progress[progress["kind"] == "model"].drop_duplicates("name")
    if "n_runs" not in rows:  # a table written before seed counts were kept
        return {name: "completed" for name in rows["name"]}
    return {r["name"]: diverged_status(int(r["n_runs"] - r["n_seeds"]), int(r["n_runs"])) if r["n_seeds"] < r["n_runs"]
            else "completed" for _, r in rows.iterrows()}


def progress_figure(progress: pd.DataFrame, task: str, model_order: list[str] | None = None) -> plt.Figure:
    """Error (mean over context lengths) vs training step per model with bands; baselines as flat lines.

    Models with diverged seeds are marked (their curve is over the seeds that completed); a model with
    none left is named under the figure."""
    statuses = progress_statuses(progress)
    drawn = progress[(progress["kind"] == "model") & progress["step"].notna()]  # none left: no step
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(4.6, 3.2))
        models = drawn_models(drawn["name"], model_order)
        styles = model_styles(models)
        baselines = progress[progress["kind"] == "baseline"]
        base_style = baseline_styles(list(baselines["name"]))
        zero = baselines.loc[baselines["name"] == "zero", "mean"]
        top = 2.0 * float(zero.max()) if not zero.empty else None  # as error curves: spikes stay off scale
        for _, row in baselines.iterrows():
            style = base_style[row["name"]]
            off_scale = top is not None and row["mean"] > top
            label = f"{row['name']} ({row['mean']:.3g}, off scale)" if off_scale else row["name"]
            ax.axhline(row["mean"], color=style.colour, ls=style.dashes, lw=1.0, label=label)
        for name in models:
            rows = progress[(progress["kind"] == "model") & (progress["name"] == name)]
            style = styles[name]
            ax.plot(rows["step"], rows["mean"], marker=style.marker or ".", ms=3.5,
                    color=style.colour, lw=1.5, label=marked_label(name, statuses.get(name)))
            ax.fill_between(rows["step"], rows["low"], rows["high"], color=style.colour, alpha=0.2, lw=0)
        ax.set_xlabel("training step")
        ax.set_ylabel("error, mean over k")
        ax.set_title(f"{task}: in-context error during training")
        ax.set_ylim(bottom=0, top=top)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        add_mark_notes(fig, statuses, drawn=models)
        return fig


def distance_figure(distances: pd.DataFrame, task: str, model_order: list[str] | None = None) -> plt.Figure:
    """One panel per model: distance of its predictions to each baseline's vs k (hybrid_icl.distances)."""
    models = drawn_models(distances["model"], model_order)
    styles = baseline_styles(list(dict.fromkeys(distances["baseline"])))
    with plt.rc_context(STYLE):
        n_cols = min(len(models), 4)
        n_rows = -(-len(models) // n_cols)
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.6 * n_cols, 2.2 * n_rows), squeeze=False,
                                 sharex=True, sharey=True)
        for ax, model in zip(axes.flat, models):
            rows = distances[distances["model"] == model]
            for name, line in rows.groupby("baseline", sort=False):
                style = styles[name]
                ax.plot(line["k"], line["distance"], color=style.colour, ls=style.dashes, lw=1.2,
                        marker="o" if len(line) == 1 else None, ms=4, label=name)
            ax.set_title(model)
            ax.set_ylim(bottom=0)
        for ax in axes.flat[len(models):]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("in-context examples k")
        for ax in axes[:, 0]:
            ax.set_ylabel("distance to baseline")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(labels), 5),
                   frameon=False)
        fig.tight_layout()
        fig.suptitle(f"{task}: distance between each model's predictions and each baseline's")
        return fig


BOX_COLOURS = {
    "layer": "#d9d9d9", "rms": "#a6a6a6",                       # norms: greys
    "attention": "#4c72b0", "attention+rope": "#8172b2",        # mixers
    "mamba": "#dd8452",
    "gelu": "#55a868", "swiglu": "#c7e9c0",                     # feed-forward
    "learned": "#c44e52", "readout": "#f2f2f2",
}


def architectures_figure(columns: list[tuple[str, list[tuple[str, str, bool]]]]) -> plt.Figure:
    """Each architecture's layer stack side by side as coloured boxes (``models.diagram.architecture_columns``):
    thin grey bars are the norms, hatched boxes the leading blocks."""
    from matplotlib.patches import Patch, Rectangle

    from .models.diagram import LABELS

    def height(kind: str) -> float:
        return 0.25 if kind in ("layer", "rms") else (0.08 if kind == "sep" else 1.0)

    tallest = max(sum(height(k) for k, _, _ in col) for _, col in columns)
    fig, ax = plt.subplots(figsize=(1.25 * len(columns) + 1.2, 0.42 * tallest + 1.6))
    for i, (name, col) in enumerate(columns):
        y = 0.0
        for kind, text, leading in col:
            h = height(kind)
            if kind != "sep":
                ax.add_patch(Rectangle((i + 0.06, y), 0.88, h, facecolor=BOX_COLOURS[kind], edgecolor="black",
                                       linewidth=0.5, hatch="///" if leading else None))
                if text:
                    dark = kind in ("attention", "attention+rope")
                    ax.text(i + 0.5, y + h / 2, text, ha="center", va="center", fontsize=6.2,
                            color="white" if dark else "black")
            y += h
        ax.text(i + 0.5, -0.35, name.replace("_", "_\n"), ha="center", va="top", fontsize=7)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(-1.6, tallest + 0.2)
    ax.axis("off")
    legend = [Patch(facecolor=BOX_COLOURS[k], edgecolor="black", linewidth=0.5, label=LABELS[k])
              for k in ("layer", "rms", "attention", "attention+rope", "mamba", "gelu", "swiglu", "learned")]
    legend.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="leading block"))
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 1.08), ncol=5, fontsize=6.5, frameon=False)
    fig.tight_layout()
    return fig
