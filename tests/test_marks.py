"""Divergence and undefined scores are marked the same way, with their reason, in every output:
CSV, Markdown, LaTeX, the heat map, the error and the progress figures; a footnote appears only
where a mark does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hybrid_icl import marks
from hybrid_icl.plots import error_curves_figure, progress_figure, score_heatmap_figure
from hybrid_icl.tables import progress_summary, scores_latex, scores_markdown, summarise, write_score_tables

N_PROMPTS, N_POINTS = 16, 5
K = np.arange(N_POINTS)


def tidy(error: np.ndarray, **labels) -> pd.DataFrame:
    """(P, N) errors -> tidy rows with labels."""
    frame = pd.DataFrame({"prompt": np.repeat(np.arange(N_PROMPTS), N_POINTS), "k": np.tile(K, N_PROMPTS),
                          "error": error.reshape(-1)})
    return frame.assign(**labels)


def suite(diverged: dict[tuple[str, int], bool], task: str = "linear") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two seeds of gpt2 and mamba on a task whose reference (least squares) beats zero; the runs named
    in ``diverged`` diverged (errors NaN)."""
    rng = np.random.default_rng(0)
    zero = np.ones((N_PROMPTS, N_POINTS))
    reference = np.maximum(0.0, 1 - K / 3) * np.ones((N_PROMPTS, 1))
    models, baselines = [], []
    for seed in (0, 1):
        for name, error in (("zero", zero), ("least_squares", reference)):
            baselines.append(tidy(error, task=task, seed=seed, baseline=name))
        for model in ("gpt2", "mamba"):
            bad = diverged.get((model, seed), False)
            error = np.full_like(zero, np.nan) if bad else 0.5 * (zero + reference) + rng.normal(0, 0.01, zero.shape)
            models.append(tidy(error, task=task, model=model, seed=seed, status="diverged" if bad else "completed"))
    return pd.concat(models, ignore_index=True), pd.concat(baselines, ignore_index=True)


REFERENCES = {"linear": {"kind": "baseline", "name": "least_squares"}}


@pytest.fixture(scope="module")
def one_diverged_seed():
    """mamba's seed 1 diverged: its score comes from seed 0 and carries the dagger."""
    models, baselines = suite({("mamba", 1): True})
    curves, scores = summarise(models, baselines, REFERENCES, n_boot=50)
    return models, curves, scores


def test_the_csv_gives_the_status_and_mark(one_diverged_seed, tmp_path):
    _, curves, scores = one_diverged_seed
    write_score_tables(curves, scores, tmp_path / "curves.csv", tmp_path / "scores.csv")
    table = pd.read_csv(tmp_path / "scores.csv", keep_default_na=False).set_index("model")
    assert table.loc["mamba", "status"] == "diverged in 1/2 seeds" and table.loc["mamba", "mark"] == marks.DIVERGED
    assert table.loc["mamba", "n_seeds"] == 1 and np.isfinite(float(table.loc["mamba", "score"]))
    assert table.loc["gpt2", "status"] == "completed" and table.loc["gpt2", "mark"] == ""


def test_markdown_and_latex_mark_the_cell_with_its_reason_and_explain_the_mark(one_diverged_seed):
    _, _, scores = one_diverged_seed
    markdown = scores_markdown(scores)
    mamba_row = next(line for line in markdown.splitlines() if line.startswith("| mamba"))
    assert mamba_row.count(marks.DIVERGED) == 1 and "(1 of 2 seeds diverged)" in mamba_row
    assert markdown.count(marks.DIVERGED) == 2  # the cell and its footnote
    assert marks.UNDEFINED not in markdown and marks.NO_REFERENCE not in markdown
    latex = scores_latex(scores)
    mamba_line = next(line for line in latex.splitlines() if line.startswith("mamba &"))
    assert mamba_line.endswith(r"]}$^{\dag}$ \\") and "diverged" not in mamba_line
    assert r"\dag\ mamba on linear: 1 of 2 seeds diverged" in latex
    assert r"\ddag" not in latex


def test_no_footnote_where_no_mark_appears():
    models, baselines = suite({})
    _, scores = summarise(models, baselines, REFERENCES, n_boot=50)
    assert (scores["status"] == "completed").all() and (scores["mark"] == "").all()
    for text in (scores_markdown(scores), scores_latex(scores)):
        assert not any(symbol in text for symbol in (marks.DIVERGED, r"\dag", marks.UNDEFINED))
    assert texts(score_heatmap_figure(scores)) == set()


def texts(fig) -> set[str]:
    """The figure-level notes (fig.text) of a figure."""
    return {t.get_text() for t in fig.texts}


def test_the_heat_map_marks_the_cell_and_notes_the_reason(one_diverged_seed):
    _, _, scores = one_diverged_seed
    fig = score_heatmap_figure(scores)
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert sum(marks.DIVERGED in cell for cell in cells) == 1
    (note,) = texts(fig)
    assert f"{marks.DIVERGED} mamba on linear: 1 of 2 seeds diverged" in note
    assert marks.FOOTNOTES[marks.DIVERGED] in note


def test_the_error_figure_marks_the_model_and_names_one_that_was_not_drawn():
    models, baselines = suite({("mamba", 1): True, ("gpt2", 0): True, ("gpt2", 1): True})
    curves, scores = summarise(models, baselines, REFERENCES, n_boot=50)
    fig = error_curves_figure(curves, "linear", reference="least_squares", scores=scores)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"mamba (1 seed) {marks.DIVERGED}" in labels and not any(label.startswith("gpt2") for label in labels)
    (note,) = texts(fig)
    assert f"{marks.DIVERGED} mamba: 1 of 2 seeds diverged" in note
    assert f"{marks.DIVERGED} gpt2 (not drawn): 2 of 2 seeds diverged" in note


def test_the_progress_figure_marks_partial_and_names_full_divergence():
    rows = []
    for model, seed, status in (("gpt2", 0, "completed"), ("gpt2", 1, "diverged"), ("mamba", 0, "diverged")):
        for step in (10, 20):
            rows.append(pd.DataFrame({"model": model, "seed": seed, "step": step, "prompt": np.arange(N_PROMPTS),
                                      "error": 0.5 if status == "completed" else np.nan, "status": status}))
    _, baselines = suite({})
    progress = progress_summary(pd.concat(rows, ignore_index=True), baselines[baselines["seed"] == 0], n_boot=20)
    gpt2 = progress[progress["name"] == "gpt2"]
    assert (gpt2["n_seeds"] == 1).all() and (gpt2["n_runs"] == 2).all() and gpt2["mean"].notna().all()
    fig = progress_figure(progress, "linear")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"gpt2 {marks.DIVERGED}" in labels and "mamba" not in " ".join(labels)
    (note,) = texts(fig)
    assert "gpt2: 1 of 2 seeds diverged" in note and "mamba (not drawn): 1 of 1 seeds diverged" in note


def test_an_undefined_score_is_marked_with_its_own_reason():
    models, baselines = suite({("mamba", 1): True})
    baselines.loc[baselines["baseline"] == "least_squares", "error"] = 1.0  # the reference is the zero predictor
    _, scores = summarise(models, baselines, REFERENCES, n_boot=50)
    mamba = scores.set_index("model").loc["mamba"]
    assert mamba["status"] == "diverged in 1/2 seeds; undefined: reference least_squares is no better than zero"
    assert mamba["mark"] == marks.DIVERGED + marks.UNDEFINED
    markdown = scores_markdown(scores)
    assert "— †‡ (1 of 2 seeds diverged; reference least_squares no better than zero)" in markdown
    assert marks.FOOTNOTES[marks.UNDEFINED] in markdown and marks.FOOTNOTES[marks.DIVERGED] in markdown


def test_seeds_the_zero_baseline_lacks_are_left_out_of_the_score():
    models, baselines = suite({("mamba", 0): True})
    baselines = baselines[(baselines["baseline"] != "zero") | (baselines["seed"] == 0)]
    _, scores = summarise(models, baselines, REFERENCES, n_boot=50)
    gpt2, mamba = scores.set_index("model").loc["gpt2"], scores.set_index("model").loc["mamba"]
    assert gpt2["n_seeds"] == 1 and np.isfinite(gpt2["score"]) and gpt2["status"] == marks.COMPLETED
    assert np.isnan(mamba["score"])
    assert mamba["status"] == "diverged in 1/2 seeds; reference zero has no completed run with these seeds"


def test_an_unknown_status_is_an_error():
    with pytest.raises(ValueError, match="unknown score status 'exploded'"):
        marks.marks("exploded")


def test_the_docs_tables_mark_the_same_way(one_diverged_seed):
    from hybrid_icl.doc_tables import ood_table

    _, _, scores = one_diverged_seed
    text = ood_table(scores)
    assert f"{marks.DIVERGED} (1 of 2 seeds diverged)" in text and marks.FOOTNOTES[marks.DIVERGED] in text
    assert marks.FOOTNOTES[marks.DIVERGED] not in ood_table(scores[scores["model"] == "gpt2"])


def test_the_ood_figure_notes_a_diverged_entry(one_diverged_seed):
    from hybrid_icl.plots import ood_panels_figure

    _, curves, scores = one_diverged_seed
    fig = ood_panels_figure(curves, {"linear": "mse"}, ["gpt2", "mamba"], scores)
    (note,) = texts(fig)
    assert f"{marks.DIVERGED} mamba on linear: 1 of 2 seeds diverged" in note and "gpt2" not in note
    assert texts(ood_panels_figure(curves, {"linear": "mse"}, ["gpt2", "mamba"], scores.iloc[:1])) == set()
