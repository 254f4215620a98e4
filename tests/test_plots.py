"""Figure layout decisions that a reader relies on (the pixels themselves are not tested)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd

from hybrid_icl.plots import error_curves_figure


def curves(ks: list[int]) -> pd.DataFrame:
    rows = []
    for kind, name, err in [("baseline", "zero", 1.0), ("baseline", "lookup", 0.0), ("model", "m1", 0.5)]:
        for k in ks:
            rows.append({"task": "t", "kind": kind, "name": name, "k": k, "mean": err, "low": err - 0.1,
                         "high": err + 0.1, "n_seeds": 2})
    return pd.DataFrame(rows)


def test_one_scored_query_is_a_dot_plot_with_one_row_per_predictor():
    fig = error_curves_figure(curves([16]), "t", reference="lookup", model_order=["m1"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zero", "lookup (reference)", "m1 (2 seeds)"]
    assert ax.yaxis_inverted() and ax.get_legend() is None  # rows read top-down; no legend repeating them
    assert "k = 16" in ax.get_xlabel() and ax.get_xlim()[0] < 0 <= ax.get_xlim()[0] + 0.1  # markers at 0 visible


def test_dot_plot_prints_the_value_of_a_predictor_beyond_the_axis():
    data = curves([20])
    far = data["name"] == "lookup"
    data.loc[far, ["mean", "low", "high"]] = [10.06, 9.0, 11.0]  # > 2x the zero predictor's upper bound
    ax = error_curves_figure(data, "t", model_order=["m1"]).axes[0]
    right = ax.get_xlim()[1]
    assert right < 10.06
    notes = [t for t in ax.texts if t.get_text().startswith("10.1")]
    assert len(notes) == 1 and notes[0].xy[0] == right  # one note, at the right edge ...
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert notes[0].xy[1] == "lookup" and "lookup" in rows  # ... on the off-scale predictor's row
    assert all(not t.get_text().startswith(("1.0", "0.5")) for t in ax.texts)  # none for on-scale rows


def test_error_curves_have_k_on_x_and_a_legend():
    fig = error_curves_figure(curves([0, 1, 2, 3]), "t", reference="lookup", model_order=["m1"])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "in-context examples k" and ax.get_ylim()[0] == 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "lookup (reference)", "m1 (2 seeds)"]


def test_every_predictor_of_a_large_study_gets_its_own_style():
    """15 models and 5 baselines (the CPU study's zoo): no two drawn alike, models never grey or dashed."""
    from hybrid_icl.plots import baseline_styles, model_styles

    models = model_styles([f"model_{i}" for i in range(15)])
    baselines = baseline_styles(["zero", "least_squares", "knn", "averaging", "lasso"])
    drawn = [(s.colour, s.marker, s.dashes) for s in (*models.values(), *baselines.values())]
    assert len(set(drawn)) == len(drawn)
    greys = {s.colour for s in baselines.values()}
    assert all(s.dashes == "-" and s.colour not in greys for s in models.values())
    assert all(s.baseline for s in baselines.values())


def test_a_tasks_figures_give_each_drawn_model_its_own_colour_and_the_same_one_everywhere():
    """Five models of a 15-model suite (the study's hybrids slice): five different hues, even though
    two of them sit nine places apart in the suite's order, and the error, loss and progress figures
    of the task colour each model alike. Regression: GPT-2 and LLaMA-with-Mamba-FFN were both blue."""
    from matplotlib.colors import to_hex

    from hybrid_icl.plots import loss_curves_figure, progress_figure

    suite = ["gpt2"] + [f"zoo_{i}" for i in range(8)] + ["llama", "llama_mamba_ffn", "mamba", "mambaformer"]
    drawn = ["mamba", "gpt2", "llama", "mambaformer", "llama_mamba_ffn"]  # a task's runs, any order
    rows, progress, logs = [], [], {}
    for i, name in enumerate(drawn):
        for k in range(4):
            rows.append({"task": "t", "kind": "model", "name": name, "k": k, "mean": 0.1 * i, "low": 0.0,
                         "high": 0.2 * i, "n_seeds": 2})
        progress += [{"kind": "model", "name": name, "step": step, "mean": 0.1 * i, "low": 0.0, "high": 1.0}
                     for step in (500, 1000)]
        for seed in (0, 1):
            logs[f"{name}/s{seed}"] = pd.DataFrame({"step": [50, 100], "loss": [1.0, 0.5], "d_active": [5, 5],
                                                    "n_points": [11, 11]})

    def colours(ax) -> dict[str, str]:
        return {line.get_label().split(" (")[0]: to_hex(line.get_color()) for line in ax.get_lines()
                if not line.get_label().startswith("_")}

    errors = colours(error_curves_figure(pd.DataFrame(rows), "t", model_order=suite).axes[0])
    assert sorted(errors) == sorted(drawn) and len(set(errors.values())) == len(drawn)
    assert colours(loss_curves_figure(logs, "t", model_order=suite).axes[0]) == errors
    assert colours(progress_figure(pd.DataFrame(progress), "t", model_order=suite).axes[0]) == errors


def test_progress_figure_keeps_a_spiking_baseline_off_scale_and_says_so():
    """Least squares' error averaged over k is 32 on the ReLU net (its spike at k = d): the axis stays
    at twice the zero predictor, where the models are, and the legend gives the off-scale value."""
    from hybrid_icl.plots import progress_figure

    progress = pd.DataFrame(
        [{"kind": "baseline", "name": "zero", "step": -1, "mean": 1.0, "low": 1.0, "high": 1.0},
         {"kind": "baseline", "name": "least_squares", "step": -1, "mean": 32.35, "low": 30.0, "high": 35.0}]
        + [{"kind": "model", "name": "m1", "step": step, "mean": 0.5, "low": 0.4, "high": 0.6} for step in (500, 1000)]
    )
    ax = progress_figure(progress, "t").axes[0]
    assert ax.get_ylim() == (0.0, 2.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "least_squares (32.4, off scale)", "m1"]


def test_architecture_columns_follow_the_recipes_and_draw(tmp_path):
    from hybrid_icl.models.diagram import architecture_columns
    from hybrid_icl.plots import architectures_figure, save

    columns = dict(architecture_columns(["gpt2", "mambaformer"], n_layer=2))
    layer = [("layer", "", False), ("attention", "attention", False), ("layer", "", False),
             ("gelu", "GELU MLP", False)]
    assert columns["gpt2"] == [("readout", "read-in", False), ("learned", "+ learned positions", False),
                               *layer, ("sep", "layer 1", False), *layer, ("sep", "layer 2", False),
                               ("layer", "", False), ("readout", "read-out", False)]
    assert [box for box in columns["mambaformer"] if box[2]] == [("layer", "", True), ("mamba", "Mamba", True)]
    save(architectures_figure(list(columns.items())), tmp_path / "a.pdf", tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 1000
