"""Claims decided from synthetic error tables whose scores and intervals are known."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from hybrid_icl.claims import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NOT_RUN,
    OVERLAP,
    PAIRED,
    UNDEFINED,
    Claim,
    TaskData,
    claims_markdown,
    claims_problems,
    decide,
    evaluate_claims,
    load_claims,
    overall,
)
from hybrid_icl.tables import summarise
from hybrid_icl.tasks import make_task

ROOT = Path(__file__).resolve().parents[1]
K = 4  # context lengths per prompt


def tidy(errors: np.ndarray, **labels) -> pd.DataFrame:
    """errors (S, P, K) -> tidy rows with seed, prompt, k, error and the labels."""
    s, p, k = np.meshgrid(*(np.arange(n) for n in errors.shape), indexing="ij")
    frame = pd.DataFrame({"seed": s.ravel(), "prompt": p.ravel(), "k": k.ravel(), "error": errors.ravel()})
    return frame.assign(**labels)


def task_data(scores: dict[str, float], noise: float = 0.02, n_prompts: int = 200, seeds=(0, 1),
              floor: float | None = 0.9, shared: float = 0.0, seed_of: dict | None = None) -> TaskData:
    """Zero errors 1, reference errors 0, each model's errors 1 - score + noise: S(model) ~ score.

    shared: the size of a per-prompt difficulty common to all models (it cancels in paired differences).
    seed_of: model -> seeds it was trained with (default all).
    """
    rng = np.random.default_rng(0)
    shape = (len(seeds), n_prompts, K)
    common = shared * rng.standard_normal(shape[:2])[..., None]
    models = []
    for name, score in scores.items():
        errors = 1.0 - score + common + noise * rng.standard_normal(shape)
        frame = tidy(errors, task="t", model=name, status="completed")
        frame["seed"] = frame["seed"].map(dict(enumerate(seeds)))
        models.append(frame[frame["seed"].isin((seed_of or {}).get(name, seeds))])
    baselines = pd.concat([tidy(np.ones(shape), task="t", baseline="zero"),
                           tidy(np.zeros(shape), task="t", baseline="ref")])
    baselines["seed"] = baselines["seed"].map(dict(enumerate(seeds)))
    return TaskData("t", pd.concat(models, ignore_index=True), baselines, {"kind": "baseline", "name": "ref"}, floor)


SUITE = {"tasks": {"t": {"kind": "sparse_parity"}}, "models": {m: {"arch": m} for m in ("a", "b", "c")}}


def claim(kind: str, models=("a",), versus="b", **extra) -> Claim:
    versus = "floor" if kind == "at_floor" else versus
    return Claim("c1", "statement", "source", "t", tuple(models), kind, (versus,), **extra)


def verdicts(claim_: Claim, data: TaskData) -> pd.DataFrame:
    return evaluate_claims([claim_], {"t": data}, SUITE, n_boot=200)


@pytest.mark.parametrize(
    "kind, low, high, expected",
    [
        ("greater", 0.1, 0.3, HOLDS), ("greater", -0.3, -0.1, FAILS), ("greater", -0.1, 0.1, INCONCLUSIVE),
        ("less", -0.3, -0.1, HOLDS), ("less", 0.1, 0.3, FAILS), ("less", -0.1, 0.1, INCONCLUSIVE),
        ("within", -0.01, 0.02, HOLDS), ("within", 0.2, 0.3, FAILS), ("within", 0.0, 0.2, INCONCLUSIVE),
        ("at_floor", -0.04, 0.04, HOLDS), ("at_floor", -0.5, -0.2, FAILS), ("at_floor", -0.01, 0.3, INCONCLUSIVE),
        ("greater", np.nan, np.nan, UNDEFINED),
    ],
)
def test_decide_reaches_every_verdict(kind, low, high, expected):
    assert decide(kind, low, high, margin=0.0, tolerance=0.05) == expected


def test_margin_moves_the_threshold():
    assert decide("greater", 0.1, 0.3, margin=0.2) == INCONCLUSIVE
    assert decide("greater", 0.1, 0.15, margin=0.2) == FAILS
    assert decide("less", -0.3, -0.25, margin=0.2) == HOLDS


def test_greater_between_models_decides_on_the_paired_difference():
    data = task_data({"a": 0.9, "b": 0.5, "c": 0.9})
    assert verdicts(claim("greater"), data)["verdict"].item() == HOLDS
    assert verdicts(claim("greater", models=("b",), versus="a"), data)["verdict"].item() == FAILS
    row = verdicts(claim("greater", models=("c",), versus="a"), data).iloc[0]
    assert row["verdict"] == INCONCLUSIVE and row["basis"] == PAIRED
    assert row["low"] < 0 < row["high"]
    assert row["value"] == pytest.approx(0.0, abs=0.01)


def test_pairing_removes_shared_prompt_difficulty():
    """A difficulty shared by both models on each prompt widens each interval but cancels in the
    paired difference, so a small real gap is resolved only by pairing."""
    data = task_data({"a": 0.55, "b": 0.5}, noise=0.01, shared=0.5)
    paired = verdicts(claim("greater"), data).iloc[0]
    assert paired["basis"] == PAIRED and paired["verdict"] == HOLDS
    assert paired["value"] == pytest.approx(0.05, abs=0.01)
    # the same gap with the two models on different seeds can only use the separate intervals
    apart = task_data({"a": 0.55, "b": 0.5}, noise=0.01, shared=0.5, seed_of={"a": [0], "b": [1]})
    unpaired = verdicts(claim("greater"), apart).iloc[0]
    assert unpaired["basis"] == OVERLAP and unpaired["verdict"] == INCONCLUSIVE


def test_models_on_partly_shared_seeds_are_compared_on_all_their_seeds_by_interval_overlap():
    """Pairing on the shared seeds only would drop a's seed 2: S(a) would differ from icl_scores.csv
    (and here the verdict from holds to inconclusive)."""
    data = task_data({"a": 0.55, "b": 0.5}, noise=0.01, shared=0.5, seeds=(0, 1, 2), seed_of={"b": [0, 1]})
    row = verdicts(claim("greater"), data).iloc[0]
    assert (row["basis"], row["verdict"], row["n_seeds"]) == (OVERLAP, INCONCLUSIVE, 2)
    _, scores = summarise(data.models, data.baselines, {"t": data.reference}, n_boot=200)
    a, b = (scores.set_index("model").loc[m] for m in ("a", "b"))
    assert a["n_seeds"] == 3 and row["value"] == pytest.approx(a["score"] - b["score"])
    assert f"S(a) = {a['score']:.3f} [{a['low']:.3f}, {a['high']:.3f}]" in row["measurement"]
    assert row["measurement"].endswith("(seeds 0,1,2 vs 0,1: interval overlap)")


def test_seeds_the_zero_baseline_lacks_are_left_out_of_the_scores():
    data = task_data({"a": 0.9, "b": 0.5})
    data.baselines = data.baselines[(data.baselines["baseline"] != "zero") | (data.baselines["seed"] == 0)]
    row = verdicts(claim("greater"), data).iloc[0]
    assert (row["verdict"], row["basis"], row["n_seeds"]) == (HOLDS, PAIRED, 1)
    own = verdicts(claim("greater", versus=0.0), data).iloc[0]
    _, scores = summarise(data.models, data.baselines, {"t": data.reference}, n_boot=200)
    mine = scores[scores["model"] == "a"].iloc[0]
    assert (own["value"], own["n_seeds"]) == (pytest.approx(mine["score"]), mine["n_seeds"])
    alone = task_data({"a": 0.9, "b": 0.5}, seed_of={"a": [1]})
    alone.baselines = alone.baselines[(alone.baselines["baseline"] != "zero") | (alone.baselines["seed"] == 0)]
    row = verdicts(claim("greater", versus=0.0), alone).iloc[0]
    assert row["verdict"] == UNDEFINED
    assert row["measurement"] == "no completed run of a paired with the reference and the zero baseline"


def test_greater_than_a_constant_and_within_a_band():
    data = task_data({"a": 1.13, "b": 0.97})
    assert verdicts(claim("greater", versus=1.0), data)["verdict"].item() == HOLDS
    assert verdicts(claim("greater", models=("b",), versus=1.0), data)["verdict"].item() == FAILS
    assert verdicts(claim("within", models=("b",), versus=1.0, tolerance=0.05), data)["verdict"].item() == HOLDS
    assert verdicts(claim("within", versus=1.0, tolerance=0.05), data)["verdict"].item() == FAILS
    wide = task_data({"a": 1.0}, noise=1.0, n_prompts=20)
    assert verdicts(claim("within", versus=1.0, tolerance=0.05), wide)["verdict"].item() == INCONCLUSIVE


def test_at_floor_compares_with_the_prompt_ignoring_score():
    floor_score = 0.1  # errors 0.9 of the zero predictor's 1 against a perfect reference
    data = task_data({"a": floor_score, "b": 0.8})
    row = verdicts(claim("at_floor", tolerance=0.05), data).iloc[0]
    assert row["verdict"] == HOLDS and row["value"] == pytest.approx(0.0, abs=0.01)
    assert verdicts(claim("at_floor", models=("b",), tolerance=0.05), data)["verdict"].item() == FAILS
    noisy = task_data({"a": floor_score}, noise=1.0, n_prompts=20)
    assert verdicts(claim("at_floor", tolerance=0.05), noisy)["verdict"].item() == INCONCLUSIVE
    unknown = task_data({"a": floor_score}, floor=None)
    assert verdicts(claim("at_floor", tolerance=0.05), unknown)["verdict"].item() == UNDEFINED
    learns = claim("greater", models=("b",), versus="floor", margin=0.1)
    assert verdicts(learns, data)["verdict"].item() == HOLDS


def test_claim_over_several_models_lists_each_and_holds_only_if_each_holds():
    data = task_data({"a": 0.9, "b": 0.5, "c": 0.3})
    table = verdicts(claim("greater", models=("a", "b"), versus="c"), data)
    assert list(table["model"]) == ["all", "a", "b"]
    assert list(table["verdict"]) == [HOLDS, HOLDS, HOLDS]
    table = verdicts(claim("greater", models=("a", "c"), versus="b"), data)
    assert list(table["verdict"]) == [FAILS, HOLDS, FAILS]
    table = verdicts(claim("greater", models=("a", "absent"), versus="c"), data)
    assert list(table["verdict"]) == [HOLDS, HOLDS, NOT_RUN]
    assert verdicts(claim("greater", models=("absent",)), data)["verdict"].item() == NOT_RUN
    assert verdicts(claim("greater", versus="absent"), data)["verdict"].item() == NOT_RUN
    assert overall([UNDEFINED, HOLDS]) == INCONCLUSIVE and overall([NOT_RUN]) == NOT_RUN


def test_a_claim_against_several_models_compares_with_each():
    data = task_data({"a": 0.9, "b": 0.5, "c": 0.3})
    several = Claim("c1", "s", "p", "t", ("a", "b"), "greater", ("c", "b", "absent"))
    table = evaluate_claims([several], {"t": data}, SUITE, n_boot=100)
    subs = table.iloc[1:].set_index(["model", "versus"])["verdict"]
    assert subs[("a", "c")] == HOLDS and subs[("a", "b")] == HOLDS and subs[("b", "c")] == HOLDS
    assert subs[("b", "b")] == INCONCLUSIVE and subs[("a", "absent")] == NOT_RUN
    assert table["verdict"].iloc[0] == INCONCLUSIVE and table["versus"].iloc[0] == "c,b,absent"
    text = claims_markdown(table)
    assert "↳ t / a vs c |" in text and "t / a vs absent, t / b vs absent" in text
    entry = {"statement": "s", "source": "p", "task": "t", "models": ["a"], "kind": "less", "than": ["b", 1.0]}
    assert claims_problems({"x": entry}) == []
    assert Claim.from_entry("x", entry).versus == ("b", 1.0)
    assert claims_problems({"x": {**entry, "than": ["b", None]}})


def test_a_models_own_score_matches_the_score_table():
    data = task_data({"a": 0.7, "b": 0.5})
    row = verdicts(claim("greater", versus=0.0), data).iloc[0]
    _, scores = summarise(data.models, data.baselines, {"t": data.reference}, n_boot=200)
    mine = scores[scores["model"] == "a"].iloc[0]
    assert (row["value"], row["low"], row["high"]) == pytest.approx((mine["score"], mine["low"], mine["high"]))


def test_markdown_lists_sub_results_under_their_claim():
    data = task_data({"a": 0.9, "b": 0.5, "c": 0.3})
    table = verdicts(claim("greater", models=("a", "b", "x", "y"), versus="c"), data)
    assert table["measurement"].iloc[0] == "of 2 run: 2 holds; 2 not run"
    text = claims_markdown(table)
    assert "**c1**: statement" in text and "↳ t / a |" in text and "↳ t / b |" in text
    assert "| ↳ t / x, t / y | | | not run in this suite |" in text
    assert "**holds**" in text
    nothing = verdicts(claim("greater", models=("x", "y"), versus="c"), data)
    assert nothing["measurement"].iloc[0] == "none of 2 run"
    assert claims_markdown(nothing) == "_none of the claims was run in this suite_: `c1`.\n"
    both = pd.concat([table, nothing.assign(claim="c2")], ignore_index=True)
    text = claims_markdown(both)
    assert "**c1**" in text and "**c2**" not in text
    assert "Not run in this suite (none of their models and tasks trained): `c2`." in text


def test_markdown_names_the_confidence_level_of_the_intervals(tmp_path):
    from hybrid_icl.claims import write_claims_tables

    table = verdicts(claim("greater"), task_data({"a": 0.9, "b": 0.5}))
    default = claims_markdown(table)
    assert "| claim | source | our measurement [95% interval] | verdict |" in default
    assert "decided on its 95% bootstrap interval" in default and claims_markdown(table, 0.95) == default
    ninety = claims_markdown(table, confidence=0.9)
    assert "our measurement [90% interval]" in ninety and "its 90% bootstrap interval" in ninety
    assert "95%" not in ninety
    paths = [str(tmp_path / f"claims.{ext}") for ext in ("csv", "md")]
    write_claims_tables(table, *paths, confidence=0.99)
    assert "[99% interval]" in Path(paths[1]).read_text()


def test_claims_file_problems_name_the_claim_and_key():
    problems = claims_problems({
        "x": {"statement": "s", "source": "p", "task": "linear", "models": ["gpt2"], "kind": "within", "target": 1},
        "y": {"statement": "s", "source": "p", "task": "linear", "models": [], "kind": "bigger"},
        "z": {"statement": "s", "source": "p", "task": "linear", "models": ["a"], "kind": "greater", "speed": 1},
    })
    assert any(p.startswith("claims.x.tolerance") for p in problems)
    assert any(p.startswith("claims.y.models") for p in problems)
    assert any(p.startswith("claims.y.kind") for p in problems)
    assert any(p.startswith("claims.z.speed: unknown key") for p in problems)
    assert any(p.startswith("claims.z.than: required") for p in problems)
    assert claims_problems([]) and claims_problems({})


@pytest.mark.parametrize("kind", ["greater", "less"])
def test_a_tolerance_on_greater_or_less_is_rejected_like_a_margin_on_within(kind):
    entry = {"statement": "s", "source": "p", "task": "t", "models": ["a"], "kind": kind, "than": "b"}
    assert claims_problems({"x": entry}) == []
    assert claims_problems({"x": {**entry, "tolerance": 0.1}}) == [
        "claims.x.tolerance: only kinds 'within' and 'at_floor' use a tolerance"]


def test_the_repository_claims_file_loads():
    claims = load_claims(ROOT / "config" / "claims.yaml")
    assert len({c.id for c in claims}) == len(claims) >= 8
    assert {c.kind for c in claims} == {"greater", "less", "within", "at_floor"}


@pytest.mark.parametrize("metric", ["mse", "sign_error"])
def test_parity_floor_matches_the_prompt_ignoring_optimum_by_simulation(metric):
    """E[y | x] for y = x_i x_j with a uniform pair is the mean of the C(n, 2) parities; its squared
    error (or its sign's error) relative to predicting 0 is the closed form."""
    task = make_task("sparse_parity", {"n_dims": 5, "k": 2})
    prompts = task.sample(100_000, 1, torch.Generator().manual_seed(0))
    xs, ys = prompts.xs[:, 0], prompts.ys[:, 0]
    mean = ((xs.sum(-1) ** 2 - 5) / 2 / 10).unsqueeze(-1)  # sum over pairs of x_i x_j / C(5, 2)
    pred = mean if metric == "mse" else torch.sign(mean)
    error = lambda p: task.pointwise_error(p, ys, metric=metric).mean()  # noqa: E731
    ratio = error(pred) / error(torch.zeros_like(ys))
    assert float(ratio) == pytest.approx(task.prompt_ignoring_error(metric), abs=0.01)
    assert task.prompt_ignoring_error(metric) == pytest.approx(0.9 if metric == "mse" else 0.75)


def test_contrasts_suite_and_its_parts_are_valid_and_cover_its_runs_once(monkeypatch):
    from hybrid_icl.config import experiment_grid, load_config
    from hybrid_icl.validation import config_problems

    monkeypatch.chdir(ROOT)  # the suite names its claims file relative to the workflow folder
    suite = ROOT / "config" / "contrasts_cpu.yaml"
    whole = load_config(suite)
    assert config_problems(whole) == [] and whole["claims"] == "config/claims.yaml"
    parts = sorted((ROOT / "config" / "slices").glob("contrasts_cpu_*.yaml"))
    runs = []
    for part in parts:
        layered = load_config(suite, part)
        assert config_problems(layered) == [], part.name
        runs += experiment_grid(layered)
    assert len(parts) >= 2 and sorted(runs) == sorted(experiment_grid(whole))


def test_a_suite_naming_a_bad_claims_file_is_invalid(tmp_path):
    from hybrid_icl.config import load_config
    from hybrid_icl.validation import config_problems

    config = load_config(ROOT / "config" / "smoke.yaml")
    config["claims"] = str(tmp_path / "missing.yaml")
    assert any(p.startswith("claims: file") and "cannot be read" in p for p in config_problems(config))
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: {statement: s, source: p, task: linear, models: [gpt2], kind: within, target: 1}\n")
    config["claims"] = str(bad)
    assert any(p.startswith("claims.x.tolerance") and str(bad) in p for p in config_problems(config))


def test_names_resolve_to_the_tasks_models_of_that_architecture():
    """The paper suite trains retrieval with its own small models (gpt2.r, arch gpt2): a claim about
    gpt2 on retrieval means those."""
    data = task_data({"a.r": 0.9, "b.r": 0.5})
    suite = {"tasks": {"t": {"kind": "retrieval"}},
             "models": {"a": {"arch": "a"}, "b": {"arch": "b"}, "a.r": {"arch": "a"}, "b.r": {"arch": "b"}}}
    row = evaluate_claims([claim("greater")], {"t": data}, suite, n_boot=100).iloc[0]
    assert (row["model"], row["versus"], row["verdict"]) == ("a.r", "b.r", HOLDS)
    by_kind = Claim("c2", "s", "p", "retrieval", ("a",), "greater", ("b",))  # a task kind names the suite's task
    assert evaluate_claims([by_kind], {"t": data}, suite, n_boot=100)["task"].item() == "t"


def test_an_architecture_compared_with_means_each_of_its_trained_models():
    """``than: b`` on a task that trained b.r and b.s (arch b) compares with both, as ``models: [b]`` would."""
    data = task_data({"a.r": 0.9, "b.r": 0.5, "b.s": 0.95})
    suite = {"tasks": {"t": {"kind": "retrieval"}},
             "models": {"a.r": {"arch": "a"}, "b.r": {"arch": "b"}, "b.s": {"arch": "b"}}}
    table = evaluate_claims([claim("greater")], {"t": data}, suite, n_boot=100)
    subs = table.iloc[1:].set_index(["model", "versus"])["verdict"]
    assert subs.to_dict() == {("a.r", "b.r"): HOLDS, ("a.r", "b.s"): FAILS}
    assert table["verdict"].iloc[0] == FAILS and table["versus"].iloc[0] == "b"
    assert "↳ t / a.r vs b.s |" in claims_markdown(table)
    within = Claim("c2", "s", "p", "t", ("b",), "within", ("a",), tolerance=0.1)
    subs = evaluate_claims([within], {"t": data}, suite, n_boot=100).iloc[1:]
    assert list(zip(subs["model"], subs["versus"], subs["verdict"])) == [("b.r", "a.r", FAILS), ("b.s", "a.r", HOLDS)]


@pytest.mark.parametrize("reference", [["gd_net"], "", 3])
def test_a_claims_reference_must_be_a_name(reference):
    entry = {"statement": "s", "source": "p", "task": "t", "models": ["a"], "kind": "greater", "than": 1.0}
    assert claims_problems({"x": {**entry, "reference": "gd_net"}}) == []
    (problem,) = claims_problems({"x": {**entry, "reference": reference}})
    assert problem.startswith("claims.x.reference: a baseline label of the task or a model name")


def test_a_claims_reference_is_resolved_as_the_suite_resolves_a_tasks():
    """A name that is both a baseline label of the task and a trained model is the baseline (as
    ``suite.reference_of`` has it); an architecture means the task's trained model of it."""
    from hybrid_icl.suite import reference_of

    data = task_data({"a.r": 0.9, "ref": 0.5, "b.r": 0.5, "c.r": 0.0, "c.s": 0.0})
    suite = {"tasks": {"t": {"kind": "retrieval", "baselines": ["zero", "ref"]}},
             "models": {"a.r": {"arch": "a"}, "ref": {"arch": "ref"}, "b.r": {"arch": "b"},
                        "c.r": {"arch": "c"}, "c.s": {"arch": "c"}}}
    with_ref = {**suite, "tasks": {"t": {**suite["tasks"]["t"], "reference": "ref"}}}
    assert reference_of(with_ref, "t") == {"kind": "baseline", "name": "ref"}

    def row(reference: str) -> pd.Series:
        # S(a.r) is 0.9 against the baseline ref (errors 0), 0.9 / 0.5 = 1.8 against a model scoring 0.5
        within = Claim("c", "s", "p", "t", ("a",), "within", (0.9,), tolerance=0.05, reference=reference)
        return evaluate_claims([within], {"t": data}, suite, n_boot=100).iloc[0]

    assert (row("ref")["verdict"], row("ref")["value"]) == (HOLDS, pytest.approx(0.0, abs=0.01))
    by_arch = row("b")
    assert by_arch["verdict"] == FAILS and by_arch["value"] == pytest.approx(0.9, abs=0.02)
    several = row("c")
    assert several["verdict"] == UNDEFINED
    assert several["measurement"] == "reference c means several models of this task: c.r, c.s"


def test_contrasts_suite_dry_run_builds_the_claims_table_and_distances(tmp_path):
    from conftest import copy_workflow, snakemake

    wf = copy_workflow(tmp_path / "wf")
    proc = snakemake(wf, "-n", "--configfile", "config/contrasts_cpu.yaml")
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, re.M))
    assert counts["claims"] == "1" and counts["train"] == "40"
    assert counts["predict"] == "40" and counts["prediction_distances"] == "4"
    assert "results/contrasts_cpu/tables/claims.md" in proc.stdout
