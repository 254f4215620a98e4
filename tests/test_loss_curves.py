"""Loss tables of run folders (pilots): logged rows, the step a loss leaves its floor."""

from __future__ import annotations

import pandas as pd

from hybrid_icl.loss_curves import first_step_below, logged_losses, loss_table


def _write_log(folder, losses):
    folder.mkdir(parents=True)
    steps = [50 * (i + 1) for i in range(len(losses))]
    pd.DataFrame({"step": steps, "loss": losses, "wall_time": steps}).to_csv(folder / "train_log.csv", index=False)


def test_first_step_below_needs_a_sustained_drop():
    losses = pd.DataFrame({"step": [50, 100, 150, 200, 250, 300], "loss": [0.95, 0.8, 0.95, 0.8, 0.7, 0.6]})
    assert first_step_below(losses, 0.9, patience=3) == 200  # the lone dip at 100 does not count
    assert first_step_below(losses, 0.9, patience=1) == 100
    assert first_step_below(losses, 0.5) is None


def test_loss_table_reads_logs_and_marks_missing_steps(tmp_path):
    _write_log(tmp_path / "a", [0.94, 0.93, 0.90, 0.80, 0.70, 0.60])
    (tmp_path / "empty" / "resume").mkdir(parents=True)
    assert logged_losses(tmp_path / "empty").empty
    table = loss_table({"a": tmp_path / "a", "none": tmp_path / "empty"}, [100, 300, 1000], floor=0.93, margin=0.01)
    row = table.set_index("run").loc["a"]
    assert row["loss@100"] == 0.93 and row["loss@300"] == 0.6 and pd.isna(row["loss@1000"])
    assert row["last step"] == 300 and row["below floor from"] == 150
    assert table.set_index("run").loc["none", "last step"] == 0


def test_without_a_floor_the_table_has_no_floor_column(tmp_path):
    _write_log(tmp_path / "a", [0.9, 0.8])
    table = loss_table({"a": tmp_path / "a"}, [50, 100])
    assert list(table.columns) == ["run", "loss@50", "loss@100", "last step"]
