"""Strict input: duplicate YAML keys, non-finite numbers, unscorable prompt lengths, sizes above the
ceiling, typed --config overrides, and one-line CLI errors (exit code 2) instead of tracebacks."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import ROOT, snakemake
from hybrid_icl.bounds import exact_estimate, upper_estimate
from hybrid_icl.cli import main
from hybrid_icl.config import load_config, workflow_config
from hybrid_icl.models.zoo import ZOO
from hybrid_icl.validation import config_problems
from hybrid_icl.yaml_strict import ConfigFileError, load_yaml, parse_yaml, typed_value

SMOKE_TEXT = (ROOT / "config" / "smoke.yaml").read_text()
SMOKE = yaml.safe_load(SMOKE_TEXT)


# --- duplicate keys and YAML types -----------------------------------------------------------------


def test_a_model_block_written_twice_is_refused_naming_key_file_and_line(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("models:\n  gpt2: {arch: gpt2, d_model: 16}\n  llama: {arch: llama}\n  gpt2: {arch: mamba}\n")
    with pytest.raises(ConfigFileError) as err:
        load_yaml(path)
    assert str(err.value) == f"{path}: line 4, column 3: duplicate key 'gpt2' (first written on line 2)"
    with pytest.raises(ConfigFileError, match="duplicate key 'seeds'"):
        load_config(ROOT / "config" / "smoke.yaml", _written(tmp_path / "slice.yaml", "seeds: [0]\nseeds: [1]\n"))


def _written(path, text):
    path.write_text(text)
    return path


def test_merge_keys_may_override_what_they_merge():
    """``<<: *anchor`` then a key of the anchor is how config/paper.yaml derives models: not a duplicate."""
    assert parse_yaml("a: &base {x: 1, y: 2}\nb: {<<: *base, y: 3}\n") == {"a": {"x": 1, "y": 2}, "b": {"x": 1, "y": 3}}


def test_every_shipped_config_reads_as_before():
    for path in sorted((ROOT / "config").rglob("*.yaml")):
        assert load_yaml(path) == yaml.safe_load(path.read_text()), path.name


def test_exponent_numbers_without_a_dot_are_floats():
    assert parse_yaml("lr: 1e-3\nb: -2E+2\nname: e5\n") == {"lr": 0.001, "b": -200.0, "name": "e5"}


def test_syntax_errors_name_file_and_line(tmp_path):
    path = _written(tmp_path / "broken.yaml", "suite: x\ntasks: [linear\n")
    with pytest.raises(ConfigFileError, match=r"broken.yaml: line \d+, column \d+: "):
        load_yaml(path)


def test_config_overrides_are_typed_as_yaml_types_them():
    """Snakemake's --config parses 'seeds=[0,1]' to ['0', '1'] (its YAML BaseLoader)."""
    assert typed_value(["0", "1"]) == [0, 1]
    assert typed_value({"steps": "20", "lr": "1e-3", "device": "cpu", "clip": "null"}) == {
        "steps": 20, "lr": 0.001, "device": "cpu", "clip": None}
    config = workflow_config([str(ROOT / "config" / "smoke.yaml")], {"seeds": ["0", "3"], "suite": "other"})
    assert config["seeds"] == [0, 3] and config["suite"] == "other"
    assert config_problems(config) == []


# --- bounds ----------------------------------------------------------------------------------------


def mutated(path: str, value) -> dict:
    config = copy.deepcopy(SMOKE)
    *parents, leaf = path.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return config


@pytest.mark.parametrize("path, value, expected", [
    ("training.lr", float("nan"), "training.lr: nan is not a finite number"),
    ("training.lr", float("inf"), "training.lr: inf is not a finite number"),
    ("models.gpt2.training.weight_decay", float("-inf"), "models.gpt2.training.weight_decay: -inf is not a finite"),
    ("tasks.linear.n_points", 1, "tasks.linear.n_points: 1 point leaves no in-context example"),
    ("tasks.linear.eval", {"n_points": 1}, "tasks.linear.eval.n_points: 1 point leaves no in-context example"),
    ("models.gpt2.d_model", 1_000_000, "models.gpt2 on tasks.linear: 2.4e+13 parameters exceed limits.max_parameters"),
    ("limits", {"max_memory_mb": 1}, "training needs about"),
])
def test_bad_values_are_refused_with_the_key_named(path, value, expected):
    problems = config_problems(mutated(path, value))
    assert any(expected in p for p in problems), problems


def test_nan_from_yaml_is_refused(tmp_path):
    text = SMOKE_TEXT.replace("lr: 1.0e-3", "lr: .nan")
    assert "lr: .nan" in text
    problems = config_problems(load_config(_written(tmp_path / "nan.yaml", text)))
    assert problems == ["training.lr: nan is not a finite number"]


def test_upper_estimate_bounds_the_measured_size_of_every_architecture():
    """The cheap bound decides when the exact (meta-device) estimate is needed, so it must never be lower."""
    for arch in ZOO:
        sizes = [(32, 2, 10, 2, 16), (64, 4, 40, 4, 16), (32, 2, 12, 2, 64), (48, 6, 30, 2, 16)]
        for d_model, n_layer, points, expand, d_state in sizes:
            model = {"arch": arch, "d_model": d_model, "n_layer": n_layer, "n_head": 4, "expand": expand,
                     "d_state": d_state}
            shape = (5, 1, points, 8)
            params, memory = exact_estimate(model, *shape)
            bound_params, bound_memory = upper_estimate(model, *shape)
            assert params <= bound_params and memory <= bound_memory, (arch, d_model, n_layer, points)


def test_exact_estimate_counts_the_built_model():
    from hybrid_icl.models import build_model

    model = {"arch": "llama", "d_model": 16, "n_layer": 2, "n_head": 2}
    params, memory = exact_estimate(model, 5, 1, 10, 4)
    built = build_model(model, 5, 1, 10)
    assert params == sum(p.numel() for p in built.parameters())
    assert memory > 16 * params / 2**20  # weights, gradients, two Adam moments, plus activations


# --- CLI errors ------------------------------------------------------------------------------------


def cli_cases(tmp_path) -> list[tuple[list[str], str]]:
    """(arguments, text the one-line error must contain)."""
    smoke = str(ROOT / "config" / "smoke.yaml")
    dup = _written(tmp_path / "dup.yaml", SMOKE_TEXT + "\nseeds: [1]\n")
    broken = _written(tmp_path / "broken.yaml", "suite: x\ntasks: [linear\n")
    tabs = _written(tmp_path / "tabs.yaml", "suite: x\ntasks:\n\tlinear: 1\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    listed = _written(tmp_path / "list.yaml", "- a\n")
    scalar = _written(tmp_path / "scalar.yaml", "42\n")
    nan = _written(tmp_path / "nan.yaml", SMOKE_TEXT.replace("lr: 1.0e-3", "lr: .nan"))
    missing = str(tmp_path / "missing.yaml")
    return [
        (["validate", missing], "missing.yaml: no such config file"),
        (["validate", str(tmp_path)], "is a folder, not a config file"),
        (["validate", str(broken)], "broken.yaml: line"),
        (["validate", str(tabs)], "tabs.yaml: line 3"),
        (["validate", str(binary)], "binary.yaml: cannot be read"),
        (["validate", str(dup)], "duplicate key 'seeds'"),
        (["validate", smoke, str(listed)], "a layered config file must be a mapping"),
        (["validate", str(nan)], "training.lr: nan is not a finite number"),
        (["validate", str(scalar)], "scalar.yaml: a config file must be a mapping of keys, got int"),
        (["status", "--configfile", str(listed)], "list.yaml: a config file must be a mapping of keys, got list"),
        (["status", "--configfile", missing], "no such config file"),
        (["status", "--configfile", str(dup)], "duplicate key"),
        (["status", "--configfile", smoke, "--task", "lineer"], "task lineer is not in this suite"),
        (["status", "--configfile", smoke, "--model", "gpt5"], "model gpt5 is not in this suite"),
        (["where", "--configfile", missing], "no such config file"),
        (["where", "--configfile", str(broken)], "broken.yaml: line"),
        (["train", "--configfile", smoke, "--task", "cubic", "--model", "gpt2", "--out", str(tmp_path / "o")],
         "task 'cubic' is not defined in this suite"),
        (["train", "--configfile", smoke, "--task", "linear", "--model", "gpt5", "--out", str(tmp_path / "o")],
         "model 'gpt5' is not defined in this suite"),
        (["train", "--configfile", missing, "--task", "linear", "--model", "gpt2", "--out", str(tmp_path / "o")],
         "no such config file"),
        (["train", "--configfile", smoke, "--task", "linear", "--model", "gpt2", "--seed", "-3", "--out", "o"],
         "--seed: -3 is negative"),
        (["train", "--configfile", smoke, "--task", "linear", "--model", "gpt2", "--threads", "0", "--out", "o"],
         "--threads: 0 is not allowed"),
        (["models", "--d-model", "10", "--n-head", "3"], "10 is not divisible by n_head=3"),
        (["models", "--d-model", "0"], "must be a positive integer"),
    ]


def test_cli_mistakes_are_one_line_errors_with_exit_code_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HYBRID_ICL_MALLOC", "system")  # train must not re-exec the test process
    cases = cli_cases(tmp_path)
    for args, expected in cases:
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's own usage errors
            code = exit_.code
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert expected in err and "Traceback" not in err, (args, err)
        message = [line for line in err.splitlines() if "error" in line.lower()]
        assert len(message) == 1, (args, err)
    assert len(cases) >= 15


def test_where_says_a_suite_that_never_ran_has_no_results(tmp_path, capsys):
    elsewhere = _written(tmp_path / "out.yaml", f"output_dir: {tmp_path / 'results'}\n")
    assert main(["where", "--configfile", str(ROOT / "config" / "smoke.yaml"), str(elsewhere)]) == 1
    out = capsys.readouterr().out
    assert "has no results yet" in out and "is done" not in out


def test_where_does_not_show_score_tables_written_for_another_config(tmp_path, capsys):
    """A suite's parts share one results folder: its score table is the last part's."""
    elsewhere = _written(tmp_path / "out.yaml", f"output_dir: {tmp_path / 'results'}\n")
    tables = tmp_path / "results" / "smoke" / "tables"
    tables.mkdir(parents=True)
    (tables / "icl_scores.md").write_text("| model | score |\n")
    (tables / "icl_scores.csv").write_text("task,model,score\nretrieval,gpt2,0.9\n")
    assert main(["where", "--configfile", str(ROOT / "config" / "smoke.yaml"), str(elsewhere)]) == 1
    out = capsys.readouterr().out
    assert "icl_scores.csv holds retrieval/gpt2, not what these config files run" in out and "is done" not in out


@pytest.mark.slow
def test_the_workflow_refuses_duplicate_keys_and_types_config_overrides(workflow_copy):
    (workflow_copy / "config" / "dup.yaml").write_text(SMOKE_TEXT + "\nseeds: [1]\n")
    result = snakemake(workflow_copy, "-n", "--configfile", "config/dup.yaml", check=False)
    assert result.returncode != 0 and "duplicate key 'seeds' (first written on line" in result.stdout + result.stderr
    result = snakemake(workflow_copy, "-n", "--configfile", "config/smoke.yaml", "--config", "seeds=[0,7]")
    assert "s7" in result.stdout + result.stderr

