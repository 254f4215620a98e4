"""A suite: one validated config and everything the workflow, the CLI and ``status`` derive from it.

``Suite(config)`` owns

- ``layout``: where every file of the suite goes (``Layout``: runs, resume state, tables, figures,
  logs, the paper targets' file names);
- the run grid: ``runs``, ``runs_of(task)``, ``tasks()``, ``seeds_of(task)``;
- a run: ``run(task, model, seed)`` assembles it (settings, resources, code version), the one way
  the workflow and ``python -m hybrid_icl train`` both use; ``training_job`` adds its files;
- each task's ``baselines``, ``reference`` (a baseline or a trained model) and ``metric``;
- OOD evaluations: ``ood_eval_task`` (which task's prompts and metric score an entry), their
  baselines and reference.

The Snakemake rules ask it through one-line input functions (workflow/rules/common.smk).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .config import (
    RESOURCE_KEYS,
    baseline_resources,
    canonical,
    drop_disabled,
    evaluation_settings,
    experiment_grid,
    model_settings,
    resolve_run,
    result_affecting,
    task_params,
    task_settings,
    training_settings,
)
from .provenance import run_code_version, run_key

RUN = "runs/{task}/{model}/s{seed}"
OOD = "ood/{ood}"
# Every file of a suite, below <output_dir>/<suite>; {names} are filled per task, model, seed, ...
FILES: dict[str, str] = {
    "eval_set": "data/{task}/s{seed}/eval_set.pt",
    "baselines": "baselines/{task}/s{seed}/errors.parquet",
    "run": RUN,
    "model": f"{RUN}/model.pt",
    "train_log": f"{RUN}/train_log.csv",
    "resume": f"{RUN}/resume",
    "errors": f"{RUN}/errors.parquet",
    "progress": f"{RUN}/progress.parquet",
    "predictions": f"{RUN}/predictions.npz",
    "baseline_predictions": "baselines/{task}/s{seed}/predictions.npz",
    "distances": "tables/by_task/{task}/distances.csv",
    "closest_baselines": "tables/by_task/{task}/closest_baselines.{ext}",
    "claims": "tables/claims.{ext}",
    "paper_comparison": "tables/paper_comparison.{ext}",
    "paper_order": "tables/paper_order.csv",
    "task_curves": "tables/by_task/{task}/curves.csv",
    "task_scores": "tables/by_task/{task}/icl_scores.csv",
    "task_secondary_curves": "tables/by_task/{task}/secondary_curves.csv",
    "task_secondary_scores": "tables/by_task/{task}/secondary_scores.csv",
    "secondary_scores": "tables/secondary_scores.{ext}",
    "curves": "tables/curves.csv",
    "scores": "tables/icl_scores.{ext}",
    "progress_table": "tables/progress_{task}.csv",
    "ood_eval_set": f"{OOD}/s{{seed}}/eval_set.pt",
    "ood_baselines": f"{OOD}/s{{seed}}/baselines.parquet",
    "ood_errors": f"{OOD}/{{model}}/s{{seed}}/errors.parquet",
    "ood_curves": "tables/ood_curves.csv",
    "ood_scores": "tables/ood_scores.{ext}",
    "figure": "figures/{figure}.{ext}",
    "log": "logs/{name}.log",
    "benchmark": "benchmarks/{name}.tsv",
    # Named paper targets: copies of suite outputs at the top of the suite folder.
    "paper_table": "table_scores.{ext}",
    "paper_figure": "fig_{figure}.{ext}",
}
TABLE_EXTS = ("csv", "md", "tex")
FIGURE_EXTS = ("pdf", "png")
SUMMARY_EXTS = ("csv", "md", "html")  # the claims and paper-comparison tables
PAPER_FIGURES = ("errors_{task}", "loss_{task}", "scores")  # suite figures copied as paper targets


def run_file(file: str) -> str:
    """Where a run's ``file`` is inside its run folder, e.g. ``run_file("model") == "model.pt"``."""
    return str(PurePosixPath(FILES[file]).relative_to(RUN))


class _KeepMissing(dict):
    """format_map helper: a name without a value stays a ``{name}`` wildcard."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Layout:
    """Paths of a suite's files below ``root`` (``<output_dir>/<suite>``).

    ``path(name, **values)`` fills the names given and leaves the others as ``{wildcards}``:
    ``path("model")`` is the Snakemake pattern, ``path("model", task="linear", model="gpt2", seed=0)``
    one run's file.
    """

    root: str

    def path(self, file: str, /, **values: object) -> str:
        return f"{self.root}/{FILES[file].format_map(_KeepMissing(values))}"

    def file(self, file: str, /, **values: object) -> Path:
        """A concrete path: every wildcard of ``file`` must be given."""
        missing = [f for _, f, _, _ in string.Formatter().parse(FILES[file]) if f and f not in values]
        if missing:
            raise KeyError(f"layout {file!r} needs {', '.join(missing)}")
        return Path(self.path(file, **values))

    def found(self, file: str) -> list[dict[str, str]]:
        """The wildcard values of every existing ``file`` on disk, e.g. ``found("run")``:
        ``[{"task": "linear", "model": "gpt2", "seed": "0"}, ...]``, in path order."""
        names = [f for _, f, _, _ in string.Formatter().parse(FILES[file]) if f]
        pattern = re.compile(re.escape(FILES[file]).replace(r"\{", "{").replace(r"\}", "}").format_map(
            {name: f"(?P<{name}>[^/]+)" for name in names}))
        root = Path(self.root)
        matches = (pattern.fullmatch(path.relative_to(root).as_posix())
                   for path in sorted(root.glob(FILES[file].format_map({name: "*" for name in names}))))
        return [m.groupdict() for m in matches if m]

    def log(self, name: str) -> str:
        return self.path("log", name=name)

    def benchmark(self, name: str) -> str:
        return self.path("benchmark", name=name)


@dataclass(frozen=True)
class TrainingJob:
    """One (task, model, seed) run to train: its complete settings and where its files go."""

    run: dict  # resolved settings with resources and code_version (``Suite.run``)
    model_path: Path
    log_path: Path
    resume_dir: Path


def reference_of(config: Mapping, task: str) -> dict:
    """The score's denominator of a task: ``{"kind": "baseline" | "model", "name": ...}``.

    ``reference:`` names a baseline, or a model of the suite (as the paper did for trees) unless a
    baseline of the task has that label; without it, the task kind's default baseline.
    """
    from .tasks import TASKS

    spec = config["tasks"][task]
    return named_reference(spec.get("reference") or TASKS[spec["kind"]].default_baseline, spec, config["models"])


def named_reference(name: str, task_spec: Mapping, models: Mapping) -> dict:
    """A reference named on a task (``task_spec``, its config): the task's baseline of that label,
    else the model of that name among ``models``, else a baseline of that name."""
    kind = "model" if name in models and name not in baseline_labels(task_spec) else "baseline"
    return {"kind": kind, "name": name}


def baseline_labels(task_spec: Mapping) -> list[str]:
    """The labels of the baselines a task's config lists."""
    from .baselines import baseline_entry

    return [baseline_entry(entry)[0] for entry in task_spec.get("baselines", [])]


def baselines_of(config: Mapping, task: str) -> list[tuple[str, str, dict]]:
    """[(label, name, params)] of a task's baselines; 'zero' and a baseline reference always included."""
    from .baselines import baseline_entry

    specs = [baseline_entry(entry) for entry in config["tasks"][task].get("baselines", [])]
    reference = reference_of(config, task)
    required = ["zero"] + ([reference["name"]] if reference["kind"] == "baseline" else [])
    for name in required:
        if name not in [label for label, _, _ in specs]:
            specs.append((name, name, {}))
    return specs


def ood_eval_task(entry: Mapping) -> str:
    """The task whose prompts (or shifted prompts) and metric score an OOD entry: ``eval_task`` if
    given, else the training task."""
    return entry.get("eval_task") or entry["train"]


# The workflow's fixed rules named like a task's paper_<task> target (tests check this against workflow/).
FIXED_PAPER_RULES = ("paper_table_file", "paper_figure_file", "paper_table", "paper_figures", "paper_comparison")


def rule_name(prefix: str, label: str) -> str:
    """``<prefix>_<label>`` with any character a Snakemake rule name cannot hold replaced by '_'."""
    return prefix + "_" + re.sub(r"\W", "_", label)


class Suite:
    """A suite config (already validated: see ``load_suite`` / ``checked_suite``) and what follows from it."""

    def __init__(self, config: dict):
        self.config = config
        self.name: str = config["suite"]
        self.layout = Layout(f"{config.get('output_dir', 'results')}/{self.name}")
        self.runs: list[tuple[str, str, int]] = experiment_grid(config)
        self.evaluation: dict = evaluation_settings(config)
        self._code_versions: dict[tuple[str, str], str] = {}
        self._summaries: dict[str, object] = {}  # claims file and comparison setup, built on first use

    # The run grid.
    def runs_of(self, task: str | None = None) -> list[tuple[str, str, int]]:
        """(task, model, seed) of the suite, optionally of one task."""
        return [r for r in self.runs if task is None or r[0] == task]

    def tasks(self) -> list[str]:
        """Tasks some experiment trains, in the order of the experiment grid (``runs``), not of ``tasks:``."""
        return list(dict.fromkeys(task for task, _, _ in self.runs))

    def models(self) -> list[str]:
        return list(self.config["models"])

    def seeds_of(self, task: str) -> list[int]:
        return sorted({seed for t, _, seed in self.runs if t == task})

    # Settings.
    def task_settings(self, task: str) -> dict:
        return task_settings(self.config, task)

    def model_settings(self, model: str) -> dict:
        return model_settings(self.config, model)

    def training_settings(self, task: str, model: str) -> dict:
        return training_settings(self.config, task, model)

    def resource(self, task: str, model: str, key: str):
        """A training job's resource (threads, mem_mb, runtime_min, gpu, ...): never retrains."""
        return self.training_settings(task, model)[key]

    def baseline_resource(self, task: str, key: str):
        return baseline_resources(self.config, task)[key]

    def make_task(self, task: str):
        from .tasks import make_task

        cfg = self.task_settings(task)
        return make_task(cfg["kind"], task_params(cfg))

    def metric(self, task: str) -> str:
        from .tasks import TASKS

        return TASKS[self.config["tasks"][task]["kind"]].metric

    def secondary_metrics(self, task: str) -> list[str]:
        """The task's secondary metrics, each scored and tabulated apart from its primary one."""
        from .tasks import TASKS

        return list(TASKS[self.config["tasks"][task]["kind"]].secondary_metrics)

    # A run.
    def code_version(self, task: str, model: str) -> str:
        """Hash of the code and architecture spec that decide this (task, model)'s numbers (provenance.py)."""
        kind = self.config["tasks"][task]["kind"]
        key = (kind, model)
        if key not in self._code_versions:
            self._code_versions[key] = run_code_version(kind, self.model_settings(model))
        return self._code_versions[key]

    def run(self, task: str, model: str, seed: int, **resources: object) -> dict:
        """Everything that determines one trained run, resources included (``resources`` overrides
        the config's, e.g. threads=4; never the result), with the code version: the one assembly
        used by the workflow's train job and by ``python -m hybrid_icl train``."""
        unknown = sorted(set(resources) - set(RESOURCE_KEYS))
        if unknown:
            raise KeyError(f"not resource settings: {', '.join(unknown)} (resources: {', '.join(RESOURCE_KEYS)})")
        run = resolve_run(self.config, task, model, int(seed))
        run["training"].update(resources)
        run["code_version"] = self.code_version(task, model)
        return run

    def run_settings(self, task: str, model: str, seed: int) -> dict:
        """The result-affecting part of ``run`` (the train rule's params: a change retrains)."""
        return result_affecting(self.run(task, model, seed))

    def run_key(self, task: str, model: str, seed: int) -> str:
        """The key a run's training stamps into its resume folder."""
        return run_key(self.run(task, model, seed))

    def training_job(self, task: str, model: str, seed: int, folder: str | Path | None = None,
                     **resources: object) -> TrainingJob:
        """The run and its files: the suite's run folder, or ``folder``."""
        where = {"task": task, "model": model, "seed": int(seed)}
        base = Path(folder) if folder is not None else self.layout.file("run", **where)
        return TrainingJob(self.run(task, model, seed, **resources), base / run_file("model"),
                           base / run_file("train_log"), base / run_file("resume"))

    # Scoring.
    def reference(self, task: str) -> dict:
        return reference_of(self.config, task)

    def baselines(self, task: str) -> list[tuple[str, str, dict]]:
        """[(label, name, params)] of a task's baselines (``baselines_of``)."""
        return baselines_of(self.config, task)

    def references(self, task: str) -> dict[str, dict]:
        """{task: reference}, the score rule's form."""
        return {task: self.reference(task)}

    # Out-of-distribution evaluations.
    def ood_names(self) -> list[str]:
        return list(self.config.get("ood") or {})

    def ood_entry(self, name: str) -> dict:
        return canonical(self.config["ood"][name])

    def ood_train_task(self, name: str) -> str:
        return self.config["ood"][name]["train"]

    def ood_eval_task(self, name: str) -> str:
        return ood_eval_task(self.config["ood"][name])

    def ood_runs(self) -> list[tuple[str, str, int]]:
        """(ood, model, seed) of every OOD evaluation: each trained run of the entry's training task."""
        return [
            (name, model, seed)
            for name in self.ood_names()
            for _, model, seed in self.runs_of(self.ood_train_task(name))
            if model in self.config["ood"][name].get("models", self.config["models"])
        ]

    def ood_seeds(self) -> list[tuple[str, int]]:
        """(ood, seed) of every OOD prompt set."""
        return [(name, seed) for name in self.ood_names() for seed in self.seeds_of(self.ood_train_task(name))]

    def ood_tasks(self, name: str) -> dict[str, dict]:
        """Settings of an entry's training and evaluation tasks, in that fixed order (a set's order
        would change with PYTHONHASHSEED and make Snakemake see changed params)."""
        names = dict.fromkeys([self.ood_train_task(name), self.ood_eval_task(name)])
        return {task: self.task_settings(task) for task in names}

    def ood_task_settings(self, name: str) -> dict:
        """Settings of the task that scores an entry."""
        return self.task_settings(self.ood_eval_task(name))

    def ood_scored(self, name: str) -> str:
        """Which positions an entry scores ("all" or "last")."""
        from .shifts import scored_positions

        return scored_positions(self.config["ood"][name].get("shift"), self.make_task(self.ood_eval_task(name)))

    def ood_reference(self, name: str) -> dict:
        """The entry's own ``reference`` baseline, else its eval task's reference; a model reference
        is only defined in distribution, so it falls back to the task kind's default baseline."""
        from .baselines import baseline_entry
        from .tasks import TASKS

        own = self.config["ood"][name].get("reference")
        if own is not None:
            return {"kind": "baseline", "name": baseline_entry(own)[0]}
        reference = self.reference(self.ood_eval_task(name))
        if reference["kind"] == "model":
            kind = self.ood_task_settings(name)["kind"]
            return {"kind": "baseline", "name": TASKS[kind].default_baseline}
        return reference

    def ood_references(self) -> dict[str, dict]:
        return {name: self.ood_reference(name) for name in self.ood_names()}

    def ood_baselines(self, name: str) -> list[tuple[str, str, dict]]:
        """The eval task's baselines plus the entry's reference (its own entry, or by name); an own
        reference labelled like one of those baselines is that very baseline (validation refuses
        one with other settings)."""
        from .baselines import baseline_entry

        specs = self.baselines(self.ood_eval_task(name))
        reference = self.ood_reference(name)["name"]
        if reference not in [label for label, _, _ in specs]:
            own = self.config["ood"][name].get("reference")
            specs.append(baseline_entry(own) if own is not None else (reference, reference, {}))
        return specs

    def ood_metric(self, name: str) -> str:
        return self.metric(self.ood_eval_task(name))

    def ood_panels(self) -> dict[str, str]:
        return {name: self.ood_metric(name) for name in self.ood_names()}

    # Targets.
    def progress_tasks(self) -> list[str]:
        """Tasks whose runs keep training snapshots (training.snapshot_every set for every run)."""
        return [
            task
            for task in self.tasks()
            if all(self.training_settings(t, m).get("snapshot_every") for t, m, _ in self.runs_of(task))
        ]

    def figure(self, figure: str, ext: str = "pdf", **values: object) -> str:
        """A figure's path, e.g. figure("errors_{task}", task="linear")."""
        return self.layout.path("figure", figure=figure.format_map(_KeepMissing(values)), ext=ext)

    def final_targets(self) -> list[str]:
        """The suite's own default targets (score tables, figures, OOD scores): rule ``all`` (Snakefile)
        builds these and the claims, prediction-distance and paper-comparison targets of their rule files."""
        path = self.layout.path
        targets = [path("scores", ext="csv"), path("scores", ext="md"), self.figure("scores"),
                   self.figure("architectures")]
        targets += [self.figure(f"{kind}_{{task}}", task=t) for kind in ("errors", "loss") for t in self.tasks()]
        targets += [self.figure("progress_{task}", task=t) for t in self.progress_tasks()]
        if self.ood_names():
            targets += [path("ood_scores", ext="csv"), self.figure("ood")]
        return targets

    # The summary tables beyond the scores: claims (with a claims file) and the paper comparison.
    def claims(self) -> dict:
        """The validated entries of the suite's claims file, {} without one (ValueError if invalid);
        read once per Suite."""
        if "claims" not in self._summaries:
            from .claims import read_claims_file

            self._summaries["claims"] = read_claims_file(self.config["claims"]) if self.config.get("claims") else {}
        return self._summaries["claims"]

    def comparison_setup(self):
        """The models and tasks scored beside the paper's Table 3 (``paper_comparison.ComparisonSetup``);
        built once per Suite."""
        if "comparison" not in self._summaries:
            from .paper_comparison import comparison_setup

            self._summaries["comparison"] = comparison_setup(self)
        return self._summaries["comparison"]

    def claims_table(self) -> dict[str, str]:
        """{ext: path} of the claims table, written only when ``claims()`` has entries."""
        return {ext: self.layout.path("claims", ext=ext) for ext in SUMMARY_EXTS}

    def summary_targets(self) -> dict[str, list[str]]:
        """{"claims": [...], "paper_comparison": [...]}: the files of each summary table the suite's
        workflow writes; a list is empty when the suite has no claims or no model and task of the paper."""
        comparison = [self.layout.path("paper_comparison", ext=ext) for ext in SUMMARY_EXTS]
        return {
            "claims": list(self.claims_table().values()) if self.claims() else [],
            "paper_comparison": comparison + [self.layout.path("paper_order")] if self.comparison_setup().models else [],
        }

    def paper_table(self) -> dict[str, str]:
        """{ext: path} of the paper's score table copies."""
        return {ext: self.layout.path("paper_table", ext=ext) for ext in TABLE_EXTS}

    def paper_figures(self, task: str | None = None) -> list[str]:
        """The paper figure copies: every one, or one task's."""
        tasks = [task] if task else self.tasks()
        figures = [f for f in PAPER_FIGURES if task is None or "{task}" in f]
        return [
            self.layout.path("paper_figure", figure=f.format(task=t), ext=ext)
            for f in figures
            for t in (tasks if "{task}" in f else [None])
            for ext in FIGURE_EXTS
        ]

    def paper_targets(self, task: str | None = None) -> list[str]:
        """Files of the paper targets: all of them, or the figures of one task."""
        return (list(self.paper_table().values()) if task is None else []) + self.paper_figures(task)


def checked_suite(config: dict, source: str = "config") -> Suite:
    """Drop disabled entries, validate (ConfigError listing every problem) and build the Suite."""
    from .validation import check_config

    drop_disabled(config)
    check_config(config, source=source)
    return Suite(config)


def load_suite(*paths: str | Path) -> Suite:
    """The Suite of one config file or several layered (later ones win); ConfigError if invalid."""
    from .config import load_config

    return checked_suite(load_config(*paths), source=" + ".join(map(str, paths)))
