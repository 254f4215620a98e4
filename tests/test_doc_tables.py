"""`python -m hybrid_icl docs-tables`: the docs' Markdown tables from a suite's results folder."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from hybrid_icl.cli import main
from hybrid_icl.config import load_config
from hybrid_icl.doc_tables import default_ks, generated_by
from hybrid_icl.suite import Suite


def curve(kind: str, name: str, means: list[float]) -> list[dict]:
    return [{"task": "linear", "kind": kind, "name": name, "k": k, "mean": m, "low": m - 0.1, "high": m + 0.1,
             "n_seeds": 2} for k, m in enumerate(means)]


# the smoke suite without Mamba, whose runs are the score table's below
LAYER = "output_dir: {results}\nmodels: {{mamba: null}}\n"


@pytest.fixture
def results(tmp_path):
    """The score tables and one training log of the smoke suite without Mamba, written by hand into a
    temporary folder."""
    config = load_config(ROOT / "config" / "smoke.yaml")
    config["output_dir"] = str(tmp_path / "results")
    suite = Suite(config)
    tables = tmp_path / "results" / "smoke" / "tables"
    tables.mkdir(parents=True)
    rows = curve("model", "gpt2", [1.0, 0.5, 0.25, 0.125, 0.1]) + curve("baseline", "least_squares", [1, 0, 0, 0, 0])
    pd.DataFrame(rows).to_csv(tables / "curves.csv", index=False)
    pd.DataFrame([
        {"task": "linear", "model": m, "reference": "least_squares", "score": s, "low": s - 0.01, "high": s + 0.01,
         "n_seeds": 2, "status": "completed"} for m, s in (("llama", 0.5), ("gpt2", 0.9))
    ]).to_csv(tables / "icl_scores.csv", index=False)
    log = suite.layout.file("train_log", task="linear", model="gpt2", seed=1)
    log.parent.mkdir(parents=True)
    pd.DataFrame({"step": [10, 20], "loss": [0.5, 0.25]}).to_csv(log, index=False)
    config_file = tmp_path / "suite.yaml"
    config_file.write_text(LAYER.format(results=tmp_path / "results"))
    return tmp_path, [str(ROOT / "config" / "smoke.yaml"), str(config_file)]


def test_a_tasks_table_has_errors_scores_and_losses_sorted_by_score(results, capsys):
    tmp_path, configs = results
    assert main(["docs-tables", "--configfile", *configs, "--out", str(tmp_path / "docs"), "--k", "1", "3"]) == 0
    text = (tmp_path / "docs" / "smoke" / "linear.md").read_text().splitlines()
    assert text[0] == "|  | k = 1 | k = 3 | ICL score vs least_squares | final training loss (seeds 0, 1) |"
    assert text[2] == "| gpt2 | 0.500 [0.400, 0.600] | 0.125 [0.025, 0.225] | 0.900 [0.890, 0.910] | -, 0.250 |"
    assert text[3] == "| llama |  |  | 0.500 [0.490, 0.510] | -, - |"
    assert text[4] == "| least_squares | 0.000 | 0.000 |  |  |"
    assert str(tmp_path / "docs" / "smoke" / "linear.md") in capsys.readouterr().out
    assert not (tmp_path / "docs" / "smoke" / "ood.md").exists()


def test_without_results_it_says_what_to_run_first(tmp_path, capsys):
    elsewhere = tmp_path / "suite.yaml"
    elsewhere.write_text(f"output_dir: {tmp_path / 'none'}\n")
    assert main(["docs-tables", "--configfile", str(ROOT / "config" / "smoke.yaml"), str(elsewhere)]) == 2
    assert "icl_scores.csv does not exist: run the suite first" in capsys.readouterr().err


def test_default_context_lengths_are_a_quarter_half_and_all_of_the_longest():
    assert default_ks(pd.Series(range(41)).to_numpy()) == [10, 20, 40]
    assert default_ks(pd.Series([0, 1]).to_numpy()) == [0, 1]


def test_the_suites_own_markdown_tables_are_copied_where_they_exist(results):
    tmp_path, configs = results
    tables = tmp_path / "results" / "smoke" / "tables"
    (tables / "claims.md").write_text("| claim | verdict |\n|---|---|\n| a | holds |\n")
    (tables / "by_task" / "linear").mkdir(parents=True)
    (tables / "by_task" / "linear" / "closest_baselines.md").write_text("| model | k = 1 |\n")
    assert main(["docs-tables", "--configfile", *configs, "--out", str(tmp_path / "docs")]) == 0
    docs = tmp_path / "docs" / "smoke"
    assert (docs / "claims.md").read_text() == (tables / "claims.md").read_text()
    assert (docs / "linear_closest_baselines.md").read_text() == "| model | k = 1 |\n"
    assert not (docs / "paper_comparison.md").exists()


def test_tables_with_nothing_this_suite_ran_are_left_out(results):
    """A claims table whose every claim was not run is not copied, one with a claim run is; the smoke
    suite (linear only) has no secondary metrics, so their table is never copied."""
    tmp_path, configs = results
    tables = tmp_path / "results" / "smoke" / "tables"
    for name in ("claims", "secondary_scores"):
        (tables / f"{name}.md").write_text(f"the {name} table\n")
    claims = pd.DataFrame({"claim": ["a", "b"], "verdict": ["not run in this suite"] * 2})
    claims.to_csv(tables / "claims.csv", index=False)
    docs = tmp_path / "docs" / "smoke"
    assert main(["docs-tables", "--configfile", *configs, "--out", str(tmp_path / "docs")]) == 0
    assert not (docs / "claims.md").exists() and not (docs / "secondary_scores.md").exists()
    claims.assign(verdict=["not run in this suite", "inconclusive"]).to_csv(tables / "claims.csv", index=False)
    assert main(["docs-tables", "--configfile", *configs, "--out", str(tmp_path / "docs")]) == 0
    assert (docs / "claims.md").read_text() == "the claims table\n"
    assert not (docs / "secondary_scores.md").exists()


def test_secondary_scores_are_a_table_of_suites_with_a_secondary_metric():
    with_parity = Suite(load_config(ROOT / "config" / "study_cpu.yaml"))
    assert "secondary_scores" in generated_by(with_parity)
    assert "secondary_scores" not in generated_by(Suite(load_config(ROOT / "config" / "smoke.yaml")))


def test_tables_the_workflow_wrote_for_another_config_are_left_out_and_earlier_tables_removed(results):
    """The parts of a suite share one results folder: an OOD table written for a part with OOD entries,
    or a claims table, must not land in the tables of a config that has neither."""
    tmp_path, configs = results
    tables = tmp_path / "results" / "smoke" / "tables"
    pd.DataFrame([{"task": "scaled_x", "model": "gpt2", "reference": "least_squares", "score": 0.5, "low": 0.4,
                   "high": 0.6, "n_seeds": 2, "status": "completed"}]).to_csv(tables / "ood_scores.csv", index=False)
    (tables / "claims.md").write_text("| claim | verdict |\n")
    no_claims = tmp_path / "smoke_without_claims.yaml"
    no_claims.write_text("".join(line for line in (ROOT / "config" / "smoke.yaml").read_text().splitlines(True)
                                 if not line.startswith("claims:")))
    docs = tmp_path / "docs" / "smoke"
    docs.mkdir(parents=True)
    (docs / "ood.md").write_text("from an earlier call\n")
    (docs / "sparse.md").write_text("a task's table from an earlier call, the task dropped since\n")
    assert main(["docs-tables", "--configfile", str(no_claims), configs[1], "--out", str(tmp_path / "docs")]) == 0
    assert not (docs / "ood.md").exists()
    assert not (docs / "claims.md").exists()
    assert not (docs / "sparse.md").exists()
    assert (docs / "linear.md").is_file()


def test_score_tables_written_for_another_config_are_refused(results, capsys):
    tmp_path, configs = results
    other = tmp_path / "other.yaml"
    other.write_text("models: {llama: null}\n")
    assert main(["docs-tables", "--configfile", *configs, str(other), "--out", str(tmp_path / "docs")]) == 2
    err = capsys.readouterr().err
    assert "icl_scores.csv holds linear/gpt2, linear/llama, not what these config files run" in err
    assert not (tmp_path / "docs").exists()


def test_the_folder_readme_names_the_command_and_the_runs(results):
    tmp_path, configs = results
    assert main(["docs-tables", "--configfile", *configs, "--out", str(tmp_path / "docs")]) == 0
    text = (tmp_path / "docs" / "smoke" / "README.md").read_text()
    assert f"python -m hybrid_icl docs-tables --configfile {' '.join(configs)}\n" in text
    assert text.endswith("| linear | 4 | gpt2, llama: seeds 0, 1 |\n")  # the grid of the fixture's config


def test_runs_are_grouped_by_their_seeds():
    from hybrid_icl.doc_tables import runs_table

    class TwoSeedSets:
        def tasks(self):
            return ["linear"]

        def runs_of(self, task):
            return [("linear", "gpt2", 0), ("linear", "gpt2", 1), ("linear", "mamba", 0), ("linear", "llama", 0),
                    ("linear", "llama", 1)]

    assert runs_table(TwoSeedSets()).splitlines()[2] == "| linear | 5 | gpt2, llama: seeds 0, 1; mamba: seed 0 |"


def test_a_part_of_a_suite_gets_its_own_folder(results):
    """Tables of a part (``slices/<suite>_<part>.yaml`` given last) go to <out>/<suite>/<part>/, so
    that the parts of a suite run one at a time do not overwrite each other's tables."""
    tmp_path, configs = results
    suite_file = tmp_path / "config" / "smoke.yaml"
    (tmp_path / "config" / "slices").mkdir(parents=True)
    suite_file.write_text((ROOT / "config" / "smoke.yaml").read_text())
    part = tmp_path / "config" / "slices" / "smoke_first.yaml"
    part.write_text(LAYER.format(results=tmp_path / "results"))
    assert main(["docs-tables", "--configfile", str(suite_file), str(part), "--out", str(tmp_path / "docs")]) == 0
    assert (tmp_path / "docs" / "smoke" / "first" / "linear.md").is_file()
    assert not (tmp_path / "docs" / "smoke" / "linear.md").exists()


def test_only_the_suites_own_slices_name_a_part(tmp_path):
    from hybrid_icl.parts import part_of

    (tmp_path / "slices").mkdir()
    suite = str(tmp_path / "study.yaml")
    assert part_of("study", [suite, str(tmp_path / "slices" / "study_sparse.yaml")]) == "sparse"
    assert part_of("study", [suite, str(tmp_path / "slices" / "other_sparse.yaml")]) is None
    assert part_of("study", [suite, str(tmp_path / "study_sparse.yaml")]) is None  # not in slices/
    assert part_of("study", [suite]) is None
