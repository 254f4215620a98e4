"""Findings of the paper as data, decided from our scores and their bootstrap intervals.

A claims file maps an id to one finding::

    parity_mamba_learns:
      statement: Mamba-containing models learn sparse parity in context
      source: paper Table 3 (sparse parity 1.000); Park et al. 2024
      task: sparse_parity          # a task of the suite, or a task kind (every suite task of it)
      models: [mamba, mambaformer] # model names (or architectures: the task's models of that arch)
      kind: greater                # greater | less | within | at_floor
      than: floor                  # greater/less: a model, a number, "floor", or a list of them
      margin: 0.1                  # greater/less: by more than this (default 0)

``within`` takes ``target`` (a number or a model) and ``tolerance``; ``at_floor`` takes
``tolerance`` and compares with the prompt-ignoring floor: the error of the best predictor that sees
the query but not the context, from the task class's ``prompt_ignoring_error()`` where it has a
closed form (sparse parity).
``reference`` (optional) overrides the suite's reference of the task for the claim's scores; it is
resolved as the suite resolves a task's (a baseline label of the task first, then a model), a name of
neither meaning the task's trained model of that architecture.

Every comparison is a statistic D of ICL scores, D = S(model) - S(other), with S(other) the other
model's score, the constant, or the floor's score, decided on its bootstrap interval [lo, hi] at the
suite's ``evaluation.confidence`` (95% by default):

- greater: holds if lo > margin, does not hold if hi < margin;
- less: holds if hi < -margin, does not hold if lo > -margin;
- within, at_floor: holds if -tolerance <= lo and hi <= tolerance, does not hold if the interval
  lies entirely outside [-tolerance, tolerance];
- otherwise inconclusive.

D's interval comes from the paired bootstrap (the same seed and prompt resampling for both scores)
when the two are scored on the same seeds (each model's completed seeds that the reference and the
zero baseline also have, as in icl_scores.csv); otherwise, so that each score stays the one on all
its seeds, from the two separate intervals, [lo_A - hi_B, hi_A - lo_B] ("interval overlap").
A claim over several models or tasks holds if every sub-result run holds, does not hold if any does
not, and is inconclusive otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .scores import bootstrap_weights, finite_interval, score_replicates
from .suite import baseline_labels, named_reference
from .tables import completed_seeds, cube, resampling_seed

KINDS = ("greater", "less", "within", "at_floor")
FLOOR = "floor"

HOLDS, FAILS, INCONCLUSIVE = "holds", "does not hold", "inconclusive"
NOT_RUN, UNDEFINED = "not run in this suite", "undefined"
PAIRED, OVERLAP = "paired difference", "interval overlap"

CLAIM_KEYS = {"statement", "source", "task", "models", "kind", "than", "target", "tolerance", "margin", "reference"}
TABLE_COLUMNS = [
    "claim", "statement", "source", "task", "model", "versus", "kind", "measurement", "value", "low", "high",
    "basis", "n_seeds", "verdict",
]


@dataclass(frozen=True)
class Claim:
    """One finding: ``models`` on ``task``, each compared with each of ``versus`` (models, numbers or "floor")."""

    id: str
    statement: str
    source: str
    task: str
    models: tuple[str, ...]
    kind: str
    versus: tuple[str | float, ...]
    margin: float = 0.0
    tolerance: float = 0.0
    reference: str | None = None

    @classmethod
    def from_entry(cls, claim_id: str, entry: dict) -> "Claim":
        """A claim from its (validated) YAML entry."""
        versus = FLOOR if entry["kind"] == "at_floor" else entry.get("than", entry.get("target"))
        versus = tuple(versus) if isinstance(versus, list) else (versus,)
        return cls(
            id=claim_id,
            statement=entry["statement"],
            source=entry["source"],
            task=entry["task"],
            models=tuple(entry["models"]),
            kind=entry["kind"],
            versus=versus,
            margin=float(entry.get("margin", 0.0)),
            tolerance=float(entry.get("tolerance", 0.0)),
            reference=entry.get("reference"),
        )


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def entry_problems(claim_id: str, entry: object) -> list[str]:
    """Problems of one claims-file entry, each naming the claim and key."""
    where = f"claims.{claim_id}"
    if not isinstance(entry, dict):
        return [f"{where}: must be a mapping, got {type(entry).__name__}"]
    problems = [f"{where}.{key}: unknown key (allowed: {', '.join(sorted(CLAIM_KEYS))})" for key in entry
                if key not in CLAIM_KEYS]
    for key in ("statement", "source", "task"):
        if not isinstance(entry.get(key), str) or not entry.get(key):
            problems.append(f"{where}.{key}: required, a non-empty string (got {entry.get(key)!r})")
    models = entry.get("models")
    if not (isinstance(models, list) and models and all(isinstance(m, str) for m in models)):
        problems.append(f"{where}.models: required, a non-empty list of model names (got {models!r})")
    kind = entry.get("kind")
    if kind not in KINDS:
        return problems + [f"{where}.kind: {kind!r} is not one of {list(KINDS)}"]
    needed = {"greater": "than", "less": "than", "within": "target", "at_floor": None}[kind]
    for key in ("than", "target"):
        if key in entry and key != needed:
            problems.append(f"{where}.{key}: not used by kind {kind!r}")
    if needed:
        value = entry.get(needed)
        values = value if isinstance(value, list) and value else [value]
        if not all(_number(v) or (isinstance(v, str) and v) for v in values):
            problems.append(f"{where}.{needed}: required for kind {kind!r}: a model name, a number or 'floor' "
                            "(or a list of them)")
    for key in ("margin", "tolerance"):
        if key in entry and not (_number(entry[key]) and entry[key] >= 0):
            problems.append(f"{where}.{key}: must be a number >= 0, got {entry[key]!r}")
    if kind in ("within", "at_floor") and not entry.get("tolerance"):
        problems.append(f"{where}.tolerance: kind {kind!r} needs a tolerance > 0 (the band it must fall within)")
    if "reference" in entry and not (isinstance(entry["reference"], str) and entry["reference"]):
        problems.append(f"{where}.reference: a baseline label of the task or a model name, a non-empty string "
                        f"(got {entry['reference']!r})")
    if "margin" in entry and kind not in ("greater", "less"):
        problems.append(f"{where}.margin: only kinds 'greater' and 'less' use a margin")
    if "tolerance" in entry and kind not in ("within", "at_floor"):
        problems.append(f"{where}.tolerance: only kinds 'within' and 'at_floor' use a tolerance")
    return problems


def claims_problems(claims: object) -> list[str]:
    """Problems of a whole claims file (a mapping of id -> entry)."""
    if not isinstance(claims, dict) or not claims:
        return ["claims: the file must be a non-empty mapping of claim id -> claim"]
    return [problem for claim_id, entry in claims.items() for problem in entry_problems(str(claim_id), entry)]


def parse_claims_file(path: str | Path) -> tuple[object, list[str]]:
    """(raw content, problems) of a claims file; problems name the file, claim and key."""
    try:
        with open(path) as fh:
            raw = yaml.safe_load(fh)
    except OSError as err:
        return None, [f"claims: file {str(path)!r} cannot be read ({err.strerror})"]
    except yaml.YAMLError as err:
        return None, [f"claims: file {str(path)!r} is not valid YAML ({err})"]
    return raw, [f"{problem} (in {path})" for problem in claims_problems(raw)]


def claims_file_problems(path: str | Path) -> list[str]:
    """Problems of a suite's claims file, for config validation."""
    return parse_claims_file(path)[1]


def read_claims_file(path: str | Path) -> dict:
    """The validated mapping of a claims file; ValueError listing every problem."""
    raw, problems = parse_claims_file(path)
    if problems:
        raise ValueError("invalid claims file:\n" + "\n".join(f"  - {p}" for p in problems))
    return raw


def load_claims(path: str | Path) -> list[Claim]:
    """The validated claims of a file, in file order."""
    return [Claim.from_entry(str(claim_id), entry) for claim_id, entry in read_claims_file(path).items()]


def suite_tasks(claim_task: str, tasks: dict) -> list[str]:
    """The suite tasks a claim's ``task`` means: that task, else every task of that kind."""
    if claim_task in tasks:
        return [claim_task]
    return [name for name, spec in tasks.items() if spec["kind"] == claim_task]


def claimed_tasks(claims: dict, tasks: dict, in_use: list[str]) -> list[str]:
    """The tasks in use (in that order) that some entry of a claims file is about."""
    wanted = {task for entry in claims.values() for task in suite_tasks(entry["task"], tasks)}
    return [task for task in in_use if task in wanted]


def suite_models(name: str, models: dict, trained: set[str]) -> list[str]:
    """The models a claim's model name means on one task: that model if the task trained it, else
    the task's trained models of that architecture (e.g. the paper suite's ``gpt2.r`` on retrieval),
    else the name itself (not run)."""
    if name in trained:
        return [name]
    same_arch = [model for model, spec in models.items() if model in trained and spec.get("arch") == name]
    return same_arch or [name]


def claim_reference(name: str | None, task: str, data: TaskData, suite: dict) -> dict:
    """The reference of a claim's scores on one task: without a name, the suite's (``data.reference``);
    else by the suite's rule (``suite.named_reference``: a baseline label of the task first, then a
    model), a name that is not a baseline resolved like ``models`` (an architecture: the task's trained
    model of it; ``among`` lists them where there are several, which leaves the reference ambiguous)."""
    if not name:
        return data.reference
    spec = suite["tasks"].get(task, {})
    if name not in set(baseline_labels(spec)) | set(data.baselines["baseline"]):
        models = suite_models(name, suite["models"], set(data.models["model"]))
        if len(models) > 1:
            return {"kind": "model", "name": name, "among": models}
        name = models[0]
    return named_reference(name, spec, suite["models"])


def decide(kind: str, low: float, high: float, margin: float = 0.0, tolerance: float = 0.0) -> str:
    """The verdict of a claim of ``kind`` on the interval [low, high] of D = S(model) - S(versus)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return UNDEFINED
    if kind == "greater":
        side = (low > margin, high < margin)
    elif kind == "less":
        side = (high < -margin, low > -margin)
    elif kind in ("within", "at_floor"):
        side = (-tolerance <= low and high <= tolerance, high < -tolerance or low > tolerance)
    else:
        raise ValueError(f"unknown claim kind {kind!r}")
    return HOLDS if side[0] else FAILS if side[1] else INCONCLUSIVE


def overall(verdicts: list[str]) -> str:
    """One verdict for a claim over several sub-results (those not run are left out)."""
    run = [v for v in verdicts if v != NOT_RUN]
    if not run:
        return NOT_RUN
    if FAILS in run:
        return FAILS
    if all(v == HOLDS for v in run):
        return HOLDS
    return UNDEFINED if all(v == UNDEFINED for v in run) else INCONCLUSIVE


@dataclass
class TaskData:
    """What a task's claims are decided from.

    models: tidy model errors (model, seed, status, prompt, k, error); baselines: tidy baseline
    errors (baseline, seed, prompt, k, error); reference: {"kind": "baseline"|"model", "name"};
    floor: the task's prompt-ignoring error as a fraction of the zero predictor's (None if unknown).
    """

    name: str
    models: pd.DataFrame
    baselines: pd.DataFrame
    reference: dict
    floor: float | None


class Scorer:
    """Paired ICL-score replicates of one task's models against one reference."""

    def __init__(self, data: TaskData, reference: dict, n_boot: int, confidence: float):
        self.data, self.reference, self.n_boot, self.confidence = data, reference, n_boot, confidence

    def seeds(self, model: str) -> list[int]:
        """Completed seeds of a model that the reference and the zero baseline also have."""
        mine = set(completed_seeds(self.data.models[self.data.models["model"] == model]))
        return sorted(mine & set(self.reference_seeds()) & set(self.baseline_seeds("zero")))

    def reference_seeds(self) -> list[int]:
        if self.reference["kind"] == "model":
            return completed_seeds(self.data.models[self.data.models["model"] == self.reference["name"]])
        return self.baseline_seeds(self.reference["name"])

    def baseline_seeds(self, name: str) -> list[int]:
        return sorted(self.data.baselines.loc[self.data.baselines["baseline"] == name, "seed"].unique())

    def errors(self, source: str, seeds: list[int]) -> np.ndarray:
        """Error cube (S, P, K) of a model or (with prefix "baseline:") a baseline."""
        if source.startswith("baseline:"):
            frame = self.data.baselines[self.data.baselines["baseline"] == source.split(":", 1)[1]]
        else:
            frame = self.data.models[self.data.models["model"] == source]
        return cube(frame, seeds)

    def replicates(self, sources: list[str], seeds: list[int], weights: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """(point, replicates) of the score of each source (a model, or "floor") under shared weights."""
        zero = self.errors("baseline:zero", seeds)
        ref_name = self.reference["name"] if self.reference["kind"] == "model" else f"baseline:{self.reference['name']}"
        base = self.errors(ref_name, seeds)
        out = []
        for source in sources:
            errors = zero * self.data.floor if source == FLOOR else self.errors(source, seeds)
            out.append(score_replicates(errors, zero, base, weights))
        return out

    def weights(self, model: str, seeds: list[int]) -> np.ndarray:
        """The score table's resampling of this model (so its own interval matches icl_scores.csv)."""
        n_prompts = self.data.models.loc[self.data.models["model"] == model, "prompt"].nunique()
        return bootstrap_weights(len(seeds), n_prompts, self.n_boot, resampling_seed(self.data.name, "score", model))

    def score(self, model: str) -> tuple[float, float, float, int]:
        """(score, low, high, n_seeds) of one model on its own seeds."""
        seeds = self.seeds(model)
        if not seeds:
            return np.nan, np.nan, np.nan, 0
        [(point, reps)] = self.replicates([model], seeds, self.weights(model, seeds))
        return (*finite_interval(point, reps, self.confidence), len(seeds))


def missing_reason(versus: str | float, reference: dict, data: TaskData) -> str:
    """Why a sub-result has no numbers ("" if it can have them): no floor, an ambiguous reference, or
    the zero baseline or the reference missing on the task."""
    if versus == FLOOR and data.floor is None:
        return "no closed-form prompt-ignoring error for this task"
    if reference.get("among"):
        return f"reference {reference['name']} means several models of this task: {', '.join(reference['among'])}"
    present = set(data.baselines["baseline"]) | set(completed_seeds_models(data.models))
    missing = [name for name in ("zero", reference["name"]) if name not in present]
    return f"{' and '.join(missing)} not computed on this task" if missing else ""


def measure(claim: Claim, model: str, versus: str | float, data: TaskData, reference: dict, n_boot: int,
            confidence: float) -> dict:
    """One sub-result of a claim: D = S(model) - S(versus) against ``reference``, with its interval,
    basis and verdict."""
    row = {"task": data.name, "model": model, "versus": str(versus)}
    reason = missing_reason(versus, reference, data)
    scorer = Scorer(data, reference, n_boot, confidence)
    seeds = scorer.seeds(model)
    if reason or not seeds:
        return blank(row, UNDEFINED, reason or unpaired(model))
    label = f"S({model})"
    if isinstance(versus, (int, float)):
        value, low, high, n_seeds = scorer.score(model)
        diff = (value - versus, low - versus, high - versus)
        text = f"{label} = {fmt(value, low, high)} vs {versus:g}"
        basis = "score interval"
    else:
        theirs = seeds if versus == FLOOR else scorer.seeds(versus)
        if theirs == seeds:
            weights = scorer.weights(model, seeds)
            (pa, ra), (pb, rb) = scorer.replicates([model, versus], seeds, weights)
            diff = finite_interval(pa - pb, ra - rb, confidence)
            n_seeds, basis = len(seeds), PAIRED
            other = f"floor {pb:.3f}" if versus == FLOOR else f"S({versus}) {pb:.3f}"
            text = f"{label} − S({versus}) = {fmt(*diff)} ({label} {pa:.3f}, {other})"
        else:
            a, b = scorer.score(model), scorer.score(versus)
            if not b[3]:
                return blank(row, UNDEFINED, unpaired(versus))
            diff = (a[0] - b[0], a[1] - b[2], a[2] - b[1])
            n_seeds, basis = min(a[3], b[3]), OVERLAP
            text = (f"{label} = {fmt(*a[:3])} vs S({versus}) = {fmt(*b[:3])} "
                    f"({seeds_apart(seeds, theirs)}: interval overlap)")
    if claim.kind in ("within", "at_floor"):
        text += f", band ±{claim.tolerance:g}"
    elif claim.margin:
        text += f", margin {claim.margin:g}"
    verdict = decide(claim.kind, diff[1], diff[2], claim.margin, claim.tolerance)
    return {**row, "measurement": text, "value": diff[0], "low": diff[1], "high": diff[2], "basis": basis,
            "n_seeds": n_seeds, "verdict": verdict}


def unpaired(model: str) -> str:
    """Why a model has no score: none of its completed seeds has the reference and the zero baseline."""
    return f"no completed run of {model} paired with the reference and the zero baseline"


def seeds_apart(mine: list[int], theirs: list[int]) -> str:
    """How two models' scored seeds differ, e.g. 'no shared seeds' or 'seeds 0,1,2 vs 0,1'."""
    if not set(mine) & set(theirs):
        return "no shared seeds"
    return f"seeds {','.join(map(str, mine))} vs {','.join(map(str, theirs))}"


def tally(verdicts: list[str]) -> str:
    """A claim's summary measurement, e.g. 'of 3 run: 2 holds, 1 does not hold; 4 not run'."""
    run = [v for v in verdicts if v != NOT_RUN]
    if not run:
        return f"none of {len(verdicts)} run"
    counts = {v: run.count(v) for v in (HOLDS, FAILS, INCONCLUSIVE, UNDEFINED) if v in run}
    text = f"of {len(run)} run: " + ", ".join(f"{n} {v}" for v, n in counts.items())
    missing = len(verdicts) - len(run)
    return text + (f"; {missing} not run" if missing else "")


def blank(row: dict, verdict: str, measurement: str = "") -> dict:
    """A sub-result without numbers (not run, or undefined with the reason as its measurement)."""
    return {**row, "measurement": measurement, "value": np.nan, "low": np.nan, "high": np.nan, "basis": "",
            "n_seeds": 0, "verdict": verdict}


def completed_seeds_models(models: pd.DataFrame) -> set[str]:
    """Models with at least one completed run."""
    return set(models.loc[models["status"] == "completed", "model"])


def fmt(value: float, low: float, high: float) -> str:
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def versus_of(versus: str | float, models: dict, trained: set[str]) -> list[str | float]:
    """What a claim compares with on one task: a number, "floor", or the task's models of that name
    (resolved like the claim's ``models``, so an architecture means each trained model of it)."""
    if _number(versus) or versus == FLOOR:
        return [versus]
    return suite_models(versus, models, trained)


def evaluate_claims(
    claims: list[Claim],
    tasks: dict[str, TaskData],
    suite: dict,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The claims table: per claim, one row per (task, model) sub-result and one "all" row.

    tasks: name -> TaskData of the suite tasks that were run; suite: the suite config (its
    ``tasks`` and ``models`` resolve the claims' names; a name the suite lacks gives "not run").
    """
    rows = []
    for claim in claims:
        base = {"claim": claim.id, "statement": claim.statement, "source": claim.source, "kind": claim.kind}
        subs = []
        for task in suite_tasks(claim.task, suite["tasks"]) or [claim.task]:
            data = tasks.get(task)
            trained = set() if data is None else set(data.models["model"])
            others = [versus for other in claim.versus for versus in versus_of(other, suite["models"], trained)]
            reference = None if data is None else claim_reference(claim.reference, task, data, suite)
            for name in claim.models:
                for model, versus in product(suite_models(name, suite["models"], trained), others):
                    if model not in trained or (isinstance(versus, str) and versus not in trained | {FLOOR}):
                        subs.append(blank({"task": task, "model": model, "versus": str(versus)}, NOT_RUN))
                    else:
                        subs.append(measure(claim, model, versus, data, reference, n_boot, confidence))
        verdict = overall([s["verdict"] for s in subs])
        row = {"task": ",".join(dict.fromkeys(sub["task"] for sub in subs)), "model": "all",
               "versus": ",".join(map(str, claim.versus))}
        summary = subs[0] if len(subs) == 1 else blank(row, verdict, tally([sub["verdict"] for sub in subs]))
        rows.append({**base, **summary, "verdict": verdict})
        if len(subs) > 1:
            rows += [{**base, **sub} for sub in subs]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def claims_markdown(table: pd.DataFrame, confidence: float = 0.95) -> str:
    """claim | source | our measurement [interval] | verdict; sub-results indented below their claim,
    claims with no model and task trained named in one line below; ``confidence``: the intervals'
    level, named in the header and the note."""
    if table.empty:
        return "_no claims_\n"
    level = f"{100 * confidence:g}%"
    lines = [f"| claim | source | our measurement [{level} interval] | verdict |", "|---|---|---|---|"]
    absent_claims = []
    for claim_id, rows in table.groupby("claim", sort=False):
        head, subs = rows.iloc[0], rows.iloc[1:]
        if head["verdict"] == NOT_RUN:
            absent_claims.append(f"`{claim_id}`")
            continue
        lines.append(f"| **{claim_id}**: {head['statement']} | {head['source']} | {head['measurement']} "
                     f"| **{head['verdict']}** |")
        several = subs["versus"].nunique() > 1
        label = lambda sub: f"{sub['task']} / {sub['model']}" + (f" vs {sub['versus']}" if several else "")  # noqa: E731
        for _, sub in subs[subs["verdict"] != NOT_RUN].iterrows():
            lines.append(f"| ↳ {label(sub)} | | {sub['measurement']} | {sub['verdict']} |")
        absent = subs[subs["verdict"] == NOT_RUN]
        if len(absent) and len(absent) < len(subs):
            names = ", ".join(label(sub) for _, sub in absent.iterrows())
            lines.append(f"| ↳ {names} | | | {NOT_RUN} |")
    if len(lines) == 2:
        return f"_none of the claims was run in this suite_: {', '.join(absent_claims)}.\n"
    note = (
        "\n\nEach measurement is a difference of ICL regression scores, S(model) − S(other), decided on its "
        f"{level} bootstrap interval over seeds and prompts: the paired difference when both are scored on "
        "the same seeds (else the two separate intervals, 'interval overlap'). holds: the interval lies on the "
        "claimed side (within the band for within / at_floor); does not hold: entirely on the other side; "
        "inconclusive: it straddles.\n"
    )
    if absent_claims:
        note += f"\nNot run in this suite (none of their models and tasks trained): {', '.join(absent_claims)}.\n"
    return "\n".join(lines) + note


def prompt_ignoring_error(task) -> float | None:
    """A task's prompt-ignoring error as a fraction of the zero predictor's (its method
    ``prompt_ignoring_error()``), or None for a task kind without a closed form."""
    method = getattr(task, "prompt_ignoring_error", None)
    return None if method is None else method()


def claims_html(table: pd.DataFrame) -> str:
    """The claims table as an HTML page (for the Snakemake report)."""
    columns = ["claim", "statement", "source", "task", "model", "measurement", "basis", "verdict"]
    body = table[columns].to_html(index=False, na_rep="", escape=True, border=0)
    return f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>claims</title></head><body>\n{body}\n</body></html>\n"


def write_claims_tables(table: pd.DataFrame, csv_path: str, markdown_path: str, html_path: str | None = None,
                        confidence: float = 0.95) -> None:
    """The claims table as CSV, Markdown and (optionally) HTML, each written atomically (``confidence``:
    the intervals' level, named in the Markdown)."""
    from .atomic import atomic_write_text
    from .evaluate import write_table

    write_table(table, csv_path)
    atomic_write_text(markdown_path, claims_markdown(table, confidence))
    if html_path:
        atomic_write_text(html_path, claims_html(table))


def task_data(
    models: pd.DataFrame, baselines: pd.DataFrame, references: dict[str, dict], settings: dict[str, dict]
) -> dict[str, TaskData]:
    """TaskData of every task with model errors, from the suite's tidy tables.

    references: task -> the suite's reference; settings: task -> resolved task config (for its floor).
    """
    from .config import task_params
    from .tasks import make_task

    out: dict[str, TaskData] = {}
    if models.empty:
        return out
    for task, frame in models.groupby("task", sort=False):
        cfg = settings[task]
        floor = prompt_ignoring_error(make_task(cfg["kind"], task_params(cfg)))
        out[task] = TaskData(task, frame, baselines[baselines["task"] == task], references[task], floor)
    return out
