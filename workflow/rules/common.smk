# Config validation and the helpers every rule file uses.
import os
import re
import sys

from hybrid_icl.allocator import with_heap_malloc
from hybrid_icl.baselines import baseline_entry
from hybrid_icl.config import (
    baseline_resources,
    canonical,
    evaluation_settings,
    experiment_grid,
    model_settings,
    resolve_run,
    result_affecting,
    task_settings,
    training_code_version,
    training_settings,
    workflow_config,
)
from hybrid_icl.jobs import with_package_path
from hybrid_icl.validation import ConfigError, check_config
from hybrid_icl.yaml_strict import ConfigFileError

try:
    # Re-read strictly (duplicate keys are errors), --config values typed, null entries dropped.
    strict = workflow_config(
        workflow.configfiles, workflow.config_settings.overwrite_config
    )
    check_config(strict, source="config")
except (ConfigError, ConfigFileError) as err:
    sys.exit(f"ERROR: {err}\nNothing was run.")
config.clear()
config.update(strict)

# Every job inherits this: large CPU tensors stay on glibc's heap instead of fresh mmap'd pages
# (src/hybrid_icl/allocator.py; at long contexts a training step is up to ~1.8x faster).
os.environ.update(with_heap_malloc(os.environ))
# ... and imports this package, also inside a conda env (src/hybrid_icl/jobs.py).
os.environ.update(with_package_path(os.environ))


wildcard_constraints:
    task="[A-Za-z0-9][A-Za-z0-9_.-]*",
    model="[A-Za-z0-9][A-Za-z0-9_.-]*",
    seed="[0-9]+",


OUT = f"{config.get('output_dir', 'results')}/{config['suite']}"
RUNS = experiment_grid(config)
EVAL = evaluation_settings(config)
CODE_VERSION = training_code_version()  # all training code (the architecture figure)
# Per task kind: shared training code plus that task's own files, so editing one task retrains
# only its runs (hybrid_icl.config.task_code_files).
TASK_CODE_VERSIONS = {
    kind: training_code_version(kind)
    for kind in sorted({task["kind"] for task in config["tasks"].values()})
}
# Conda environment of every rule, for users who run with --sdm conda (the pip venv is the default).
CONDA_ENV = f"../../envs/{config.get('conda_env', 'cpu')}.yaml"
RUN = "runs/{task}/{model}/s{seed}"  # one trained run's folder, below OUT


def out(*parts):
    """A path below the suite's output folder: out("tables", "x.csv") -> <output_dir>/<suite>/tables/x.csv."""
    return "/".join((OUT,) + parts)


def run_file(task, model, seed, name):
    """A file of one trained run."""
    return out(RUN.format(task=task, model=model, seed=seed), name)


def runs_of(task=None):
    """(task, model, seed) triples of the suite, optionally of one task."""
    return [r for r in RUNS if task is None or r[0] == task]


def tasks_in_use():
    return list(dict.fromkeys(task for task, _, _ in RUNS))


def seeds_of(task):
    return sorted({seed for t, _, seed in RUNS if t == task})


def run_config(wildcards):
    """The resolved settings of a run, minus resources: any change here retrains it."""
    run = resolve_run(config, wildcards.task, wildcards.model, int(wildcards.seed))
    return result_affecting(run)


def run_code_version(wildcards):
    """Hash of the code that decides this run's numbers (part of its key, see run_config)."""
    return TASK_CODE_VERSIONS[config["tasks"][wildcards.task]["kind"]]


def training_resource(key):
    return lambda wildcards: training_settings(config, wildcards.task, wildcards.model)[
        key
    ]


def baseline_resource(key):
    return lambda wildcards: baseline_resources(config, wildcards.task)[key]


def baseline_specs(task):
    """[(label, name, params)] of a task's baselines; 'zero' and the reference are always included."""
    specs = [
        baseline_entry(entry) for entry in config["tasks"][task].get("baselines", [])
    ]
    names = [label for label, _, _ in specs]
    reference = reference_of(task)
    for required in ("zero",) + (
        (reference["name"],) if reference["kind"] == "baseline" else ()
    ):
        if required not in names:
            specs.append((required, required, {}))
            names.append(required)
    return specs


def reference_of(task):
    """The score's denominator: a baseline, or a model of the suite (as the paper did for trees)."""
    from hybrid_icl.tasks import TASKS

    spec = config["tasks"][task]
    name = spec.get("reference") or TASKS[spec["kind"]].default_baseline
    labels = [baseline_entry(entry)[0] for entry in spec.get("baselines", [])]
    kind = "model" if name in config["models"] and name not in labels else "baseline"
    return {"kind": kind, "name": name}


def final_targets():
    targets = (
        [
            f"{OUT}/tables/icl_scores.csv",
            f"{OUT}/tables/icl_scores.md",
            f"{OUT}/figures/scores.pdf",
            f"{OUT}/figures/architectures.pdf",
        ]
        + expand(f"{OUT}/figures/errors_{{task}}.pdf", task=tasks_in_use())
        + expand(f"{OUT}/figures/loss_{{task}}.pdf", task=tasks_in_use())
    )
    targets += expand(f"{OUT}/figures/progress_{{task}}.pdf", task=progress_tasks())
    if config.get("ood"):
        targets += [f"{OUT}/tables/ood_scores.csv", f"{OUT}/figures/ood.pdf"]
    return targets


def metric_of(task):
    from hybrid_icl.tasks import TASKS

    return TASKS[config["tasks"][task]["kind"]].metric


def ood_runs():
    """(ood, model, seed) of every OOD evaluation: each trained run of the entry's training task."""
    return [
        (name, m, s)
        for name, entry in config.get("ood", {}).items()
        for t, m, s in runs_of(entry["train"])
        if m in entry.get("models", config["models"])
    ]


def ood_tasks(name):
    """Settings of an OOD entry's training and evaluation tasks, in a fixed order (a set's order
    would change with PYTHONHASHSEED and make Snakemake see changed params)."""
    entry = config["ood"][name]
    names = dict.fromkeys([entry["train"], entry.get("eval_task", entry["train"])])
    return {n: task_settings(config, n) for n in names}


def ood_scoring_task(name):
    entry = config["ood"][name]
    return task_settings(config, entry.get("eval_task") or entry["train"])


def ood_scored(name):
    from hybrid_icl.shifts import scored_positions
    from hybrid_icl.tasks import make_task
    from hybrid_icl.config import task_params

    cfg = ood_scoring_task(name)
    return scored_positions(
        config["ood"][name].get("shift"), make_task(cfg["kind"], task_params(cfg))
    )


def ood_reference_entry(name):
    """(label, name, params) of an OOD entry's own reference baseline, or None."""
    ref = config["ood"][name].get("reference")
    return None if ref is None else baseline_entry(ref)


def ood_baseline_specs(name):
    entry = config["ood"][name]
    specs = baseline_specs(entry.get("eval_task") or entry["train"])
    own = ood_reference_entry(name)
    reference = ood_reference(name)["name"]
    if reference not in [label for label, _, _ in specs]:
        specs.append(own or (reference, reference, {}))
    return specs


def ood_reference(name):
    entry = config["ood"][name]
    own = ood_reference_entry(name)
    if own is not None:
        return {"kind": "baseline", "name": own[0]}
    reference = reference_of(entry.get("eval_task") or entry["train"])
    if (
        reference["kind"] == "model"
    ):  # a model reference is only defined in distribution
        from hybrid_icl.tasks import TASKS

        kind = ood_scoring_task(name)["kind"]
        return {"kind": "baseline", "name": TASKS[kind].default_baseline}
    return reference


def ood_metric(name):
    from hybrid_icl.tasks import TASKS

    return TASKS[ood_scoring_task(name)["kind"]].metric


def progress_tasks():
    """Tasks whose runs keep training snapshots (training.snapshot_every set for every run)."""
    return [
        task
        for task in tasks_in_use()
        if all(
            training_settings(config, t, m).get("snapshot_every")
            for t, m, _ in runs_of(task)
        )
    ]


# Named paper targets (workflow/rules/paper.smk): copies of suite outputs under OUT.
PAPER_TABLE = {ext: out(f"table_scores.{ext}") for ext in ("csv", "md", "tex")}
PAPER_ERRORS = out("fig_errors_{task}.{ext}")
PAPER_LOSS = out("fig_loss_{task}.{ext}")
PAPER_SCORES = out("fig_scores.{ext}")
PAPER_EXTS = ("pdf", "png")


def paper_targets(task=None):
    """Files of the paper targets: all of them, or the two figures of one task."""
    if task:
        tasks, files = [task], []
    else:
        tasks = tasks_in_use()
        files = list(PAPER_TABLE.values()) + expand(PAPER_SCORES, ext=PAPER_EXTS)
    for pattern in (PAPER_ERRORS, PAPER_LOSS):
        files += expand(pattern, task=tasks, ext=PAPER_EXTS)
    return files


def paper_rule_name(task):
    """paper_<task>, with any character a rule name cannot hold replaced by '_'."""
    safe = re.sub(r"\W", "_", task)
    return f"paper_{safe}"
