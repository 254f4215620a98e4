"""Malformed configs are refused before any job runs, with the offending key and value named."""

from __future__ import annotations

import copy
import itertools
import random

import pytest
import yaml

from conftest import ROOT, snakemake
from hybrid_icl.config import deep_merge, drop_disabled, experiment_grid, load_config
from hybrid_icl.validation import ConfigError, check_config, config_problems

SMOKE = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
HYBRID = {"d_model": 16, "n_layer": 2, "n_head": 2}
SPARSE = {"kind": "sparse_linear", "n_dims": 3, "n_points": 8}


def at(path: str, value):
    """A mutation setting the dotted ``path`` (created if missing) of the config to ``value``."""

    def mutate(config: dict) -> None:
        *parents, leaf = path.split(".")
        node = config
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value

    return mutate


def drop(path: str):
    def mutate(config: dict) -> None:
        *parents, leaf = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        del node[leaf]

    return mutate


def both(*mutations):
    def mutate(config: dict) -> None:
        for m in mutations:
            m(config)

    return mutate


def same_key(path: str, value) -> tuple:
    """(mutation, key, value) for a mistake reported under the key it was made at."""
    return at(path, value), path, str(value)


def hybrid(*layers):
    return at("models.hyb", {"layers": list(layers), **HYBRID})


def baselines(*entries):
    return at("tasks.linear.baselines", ["zero", *entries])


def ood(**entry):
    return at("ood", {"x": entry})


def tasks_like_linear(*names):
    """Copies of the linear task under ``names`` (which may hold '.', so ``at`` cannot add them)."""

    def mutate(config: dict) -> None:
        config["tasks"].update({name: copy.deepcopy(config["tasks"]["linear"]) for name in names})

    return mutate


# (id, mutation, key the message must name, value it must name)
CASES = [
    ("unknown architecture", at("models.gpt2.arch", "gpt5"), "models.gpt2.arch", "gpt5"),
    ("unknown mixer in recipe", hybrid({"mixer": "lstm"}), "models.hyb.layers[0].mixer", "lstm"),
    ("unknown norm in recipe", hybrid({"norm": "batch", "mixer": "attention"}), "models.hyb.layers[0].norm", "batch"),
    ("recipe entry not a mapping", hybrid("attention"), "models.hyb.layers[0]", "attention"),
    ("unknown task kind", at("tasks.linear.kind", "cubic"), "tasks.linear.kind", "cubic"),
    ("d_model not divisible by n_head", at("models.gpt2.d_model", 15), "models.gpt2.d_model", "15"),
    ("zero heads", at("models.gpt2.n_head", 0), "models.gpt2.n_head", "0"),
    ("zero Mamba state", at("models.mamba.d_state", 0), "models.mamba.d_state", "0"),
    ("model given as a string", at("models.gpt2", "gpt2"), "models.gpt2", "gpt2"),
    ("negative steps", at("training.steps", -5), "training.steps", "-5"),
    ("zero steps", at("training.steps", 0), "training.steps", "0"),
    ("steps as a string", at("training.steps", "100"), "training.steps", "'100'"),
    ("steps as a float", at("training.steps", 100.5), "training.steps", "100.5"),
    ("steps as a boolean", at("training.steps", True), "training.steps", "True"),
    ("lr as a word", at("training.lr", "fast"), "training.lr", "fast"),
    ("negative lr of one model", at("models.gpt2.training.lr", -1), "models.gpt2.training.lr", "-1"),
    ("unknown optimizer", at("training.optimizer", "sgd"), "training.optimizer", "sgd"),
    ("unknown schedule", at("training.schedule", "linear"), "training.schedule", "linear"),
    ("one beta", at("training.betas", [0.9]), "training.betas", "[0.9]"),
    ("negative grad_clip", at("training.grad_clip", -1), "training.grad_clip", "-1"),
    ("zero checkpoint_every", at("training.checkpoint_every", 0), "training.checkpoint_every", "0"),
    ("unknown device", at("training.device", "tpu"), "training.device", "tpu"),
    ("warm-up longer than training", at("training.warmup_steps", 100), "training.warmup_steps", "100"),
    ("unknown training key", at("training.momentum", 0.9), "training.momentum", "momentum"),
    ("unknown task training key", at("tasks.linear.training.stepz", 1), "tasks.linear.training.stepz", "stepz"),
    ("unknown top-level key", at("epochs", 3), "epochs", "epochs"),
    ("suite name with a space", at("suite", "a b"), "suite", "a b"),
    ("missing suite", drop("suite"), "suite", "suite"),
    ("empty seeds", at("seeds", []), "seeds", "[]"),
    ("duplicate seed", at("seeds", [0, 0]), "seeds", "[0, 0]"),
    ("curriculum points overshoot", *same_key("tasks.linear.curriculum.points.end", 9)),
    ("curriculum dims overshoot", *same_key("tasks.linear.curriculum.dims.end", 4)),
    ("curriculum starts past its end", *same_key("tasks.linear.curriculum.points.start", 9)),
    ("zero dimensions", at("tasks.linear.n_dims", 0), "tasks.linear.n_dims", "0"),
    ("zero evaluation length", at("tasks.linear.eval", {"n_points": 0}), "tasks.linear.eval.n_points", "0"),
    ("unknown task parameter", at("tasks.linear.noise", 0.1), "noise", "0.1"),
    ("sparsity above n_dims", at("tasks.sp", {**SPARSE, "sparsity": 5}), "sparsity", "5"),
    ("baseline unfit for the task", baselines("parity_elimination"), "tasks.linear.baselines[1]", "parity_elimination"),
    ("unknown baseline", baselines("oracle"), "tasks.linear.baselines[1]", "oracle"),
    ("unknown baseline parameter", baselines({"name": "knn", "params": {"k": 3}}), "tasks.linear.baselines[1]", "'k'"),
    ("reference naming nothing", at("tasks.linear.reference", "nothing"), "tasks.linear.reference", "nothing"),
    (
        "reference model not trained on the task",
        both(at("tasks.linear.reference", "gpt2"), at("experiments", [{"models": ["llama"]}])),
        "tasks.linear.reference",
        "gpt2",
    ),
    ("experiment naming a missing task", at("experiments", [{"tasks": ["quadratic"]}]), "experiments[0].tasks", "quadratic"),
    ("experiment naming a missing model", at("experiments", [{"models": ["gpt3"]}]), "experiments[0].models", "gpt3"),
    ("experiment seed as a string", at("experiments", [{"seeds": ["a"]}]), "experiments[0].seeds[0]", "a"),
    ("too few evaluation prompts", at("evaluation.n_prompts", 1), "evaluation.n_prompts", "1"),
    (
        "task names making one rule name",
        tasks_like_linear("lin.a", "lin_a"),
        "tasks.lin_a: makes the Snakemake rule name 'paper_lin_a', as task 'lin.a' does",
        "rename one",
    ),
    (
        "task name making a fixed rule's name",
        tasks_like_linear("table"),
        "tasks.table: makes the Snakemake rule name 'paper_table', which the workflow's own rule",
        "rename the task",
    ),
    ("OOD eval task missing", ood(train="linear", eval_task="missing"), "ood.x.eval_task", "missing"),
    ("OOD training task missing", ood(train="missing", shift="scaled_x"), "ood.x.train", "missing"),
    ("OOD unknown shift", ood(train="linear", shift="rotate"), "ood.x.shift", "rotate"),
    ("OOD unknown shift parameter", ood(train="linear", shift="scaled_x", params={"bogus": 2}), "ood.x.params.bogus", "2"),
    ("OOD model missing", ood(train="linear", shift="scaled_x", models=["nope"]), "ood.x.models", "nope"),
    ("OOD reference unfit", ood(train="linear", shift="noisy_y", reference="parity_elimination"), "ood.x.reference", "parity_elimination"),
    ("OOD reference bad parameter", ood(train="linear", shift="noisy_y", reference={"name": "ridge", "params": {"lam": 1}}), "ood.x.reference", "lam"),
    (
        "OOD reference labelled like a task baseline with other parameters",
        both(baselines({"name": "knn", "params": {"n_neighbors": 3}}),
             ood(train="linear", shift="noisy_y", reference={"name": "knn", "params": {"n_neighbors": 1}})),
        "ood.x.reference: label 'knn' is already a baseline of task 'linear'",
        "distinct 'label:'",
    ),
    ("OOD reference labelled zero", ood(train="linear", shift="noisy_y", reference={"name": "ridge", "label": "zero"}),
     "ood.x.reference", "'zero'"),
]


def mutated(*mutations) -> dict:
    config = copy.deepcopy(SMOKE)
    both(*mutations)(config)
    return config


def test_the_unmutated_config_is_valid():
    assert config_problems(copy.deepcopy(SMOKE)) == []


def test_a_slice_of_the_study_is_valid():
    """A slice file layered over the study (as two --configfile) restricts experiments and switches
    entries off with null; a task it leaves untrained needs no reference model."""
    study = yaml.safe_load((ROOT / "config" / "study_cpu.yaml").read_text())
    assert config_problems(copy.deepcopy(study)) == []
    covered = set()
    for path in sorted((ROOT / "config" / "slices").glob("study_cpu_*.yaml")):
        layered = load_config(ROOT / "config" / "study_cpu.yaml", path)  # as snakemake merges two --configfile
        assert layered == drop_disabled(deep_merge(study, yaml.safe_load(path.read_text())))
        assert config_problems(layered) == [], path.name
        covered |= set(experiment_grid(layered))
    assert covered == set(experiment_grid(study))  # the parts together train the whole study
    sliced = drop_disabled(deep_merge(study, {"experiments": [{"tasks": ["linear"]}], "ood": {"sparse_on_dense": None}}))
    assert "sparse_on_dense" not in sliced["ood"] and sliced["tasks"]["decision_tree"]["reference"] == "gpt2"
    assert config_problems(sliced) == []
    kept = deep_merge(study, {"experiments": [{"tasks": ["linear"]}]})  # without switching the OOD entry off
    assert any("ood.sparse_on_dense" in p for p in config_problems(kept))


def test_cli_validates_layered_files_and_names_the_problem(tmp_path, capsys):
    from hybrid_icl.cli import main

    study, slice_ = ROOT / "config" / "study_cpu.yaml", ROOT / "config" / "slices" / "study_cpu_sparse_linear.yaml"
    assert main(["validate", str(study), str(slice_)]) == 0
    assert "study_cpu.yaml + " in capsys.readouterr().out
    bad = tmp_path / "bad_slice.yaml"
    bad.write_text("experiments:\n  - tasks: [linear]\n    models: [gpt3]\n")
    assert main(["validate", str(study), str(bad)]) == 2
    assert "experiments[0].models: 'gpt3' is not defined" in capsys.readouterr().err
    bad.write_text("- not a mapping\n")
    assert main(["validate", str(study), str(bad)]) == 2
    assert "bad_slice.yaml: a layered config file must be a mapping" in capsys.readouterr().err


def test_status_names_a_task_or_model_the_suite_does_not_train(capsys, monkeypatch):
    """The names are checked against the config's grid before any run folder is read."""
    from hybrid_icl import status
    from hybrid_icl.cli import main

    def no_folder_reads(config):
        raise AssertionError("run folders read before the selection was checked")

    monkeypatch.setattr(status, "suite_status", no_folder_reads)
    assert main(["status", "--configfile", str(ROOT / "config" / "smoke.yaml"), "--task", "lineer"]) == 2
    assert "task lineer is not in this suite's experiments (it has: linear)" in capsys.readouterr().err


def test_a_labelled_baseline_is_referred_to_by_its_label():
    """``{name, params, label}`` entries: the label is what ``reference:`` names, in tasks and OOD entries."""
    strong = {"name": "ridge", "params": {"alpha": 0.01}, "label": "ridge_weak"}
    config = mutated(baselines(strong), at("tasks.linear.reference", "ridge_weak"))
    assert config_problems(config) == []
    config = mutated(ood(train="linear", shift="noisy_y", reference=strong))
    assert config_problems(config) == []
    knn = {"name": "knn", "params": {"n_neighbors": 3}}  # the very baseline of the task: allowed
    config = mutated(baselines(knn), ood(train="linear", shift="noisy_y", reference=knn))
    assert config_problems(config) == []
    assert config_problems(mutated(ood(train="linear", shift="noisy_y", reference="least_squares"))) == []
    bad = {**strong, "params": {"lam": 1}}
    problems = config_problems(mutated(baselines(bad), at("tasks.linear.reference", "ridge_weak")))
    assert [p for p in problems if p.startswith("tasks.linear.baselines[1]") and "lam" in p], problems


@pytest.mark.parametrize("mutate, key, value", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_config_names_key_and_value(mutate, key, value):
    problems = config_problems(mutated(mutate))
    assert problems, "accepted"
    assert any(key in p and value in p for p in problems), problems
    with pytest.raises(ConfigError, match="invalid config"):
        check_config(mutated(mutate))


@pytest.mark.parametrize("config", [None, [], "suite: x", 3])
def test_a_config_that_is_not_a_mapping(config):
    assert config_problems(config) == [f"(top level): the config must be a mapping, got {type(config).__name__}"]


def test_combined_mistakes_never_crash_the_checks():
    """Any two mistakes together still give messages, never an exception (which would show a traceback)."""
    pairs = list(itertools.combinations(range(len(CASES)), 2))
    tried = 0
    for i, j in random.Random(0).sample(pairs, 150):
        try:
            config = mutated(CASES[i][1], CASES[j][1])
        except (AttributeError, KeyError, TypeError):  # the second mistake needs what the first removed
            continue
        assert config_problems(config), (CASES[i][0], CASES[j][0])
        tried += 1
    assert tried > 100


# Through snakemake itself: refused while parsing, no job, no results/, no traceback.
SNAKEMAKE_CASES = [
    ("unknown architecture", ["-n"]),
    ("task names making one rule name", ["-n"]),  # refused by validation, not as a duplicate rule
    ("OOD eval task missing", ["-n"]),
    ("curriculum points overshoot", []),  # a real run, not only a dry run
]


@pytest.mark.parametrize("case, extra", SNAKEMAKE_CASES, ids=[c[0] for c in SNAKEMAKE_CASES])
def test_snakemake_refuses_before_any_job(workflow_copy, case, extra):
    _, mutate, key, value = next(c for c in CASES if c[0] == case)
    bad = workflow_copy / "config" / "bad.yaml"
    bad.write_text(yaml.safe_dump(mutated(mutate)))
    proc = snakemake(workflow_copy, *extra, "--cores", "1", "--configfile", str(bad), check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert any(key in line and value in line for line in text.splitlines()), text
    assert "Nothing was run." in text
    assert "Traceback" not in text, text
    assert not (workflow_copy / "results").exists()
