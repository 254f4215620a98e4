"""Checking a suite config before any job runs.

Two layers: the JSON schema (config.schema.yaml, package data beside this module: keys, types, ranges) and
semantic checks that need the package (known task kinds and architectures, sizes that fit,
curricula within the prompt length, baselines that suit their task, experiments naming defined
tasks and models). Every problem is reported as one line naming the key and the value.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from .config import experiment_grid, training_settings

SCHEMA_PATH = Path(__file__).resolve().with_name("config.schema.yaml")  # package data (pyproject.toml)


class ConfigError(ValueError):
    """A config is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str], source: str = "config"):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid {source} ({len(problems)} problem{'s' * (len(problems) > 1)}):\n{lines}")


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def key_path(parts) -> str:
    """("experiments", 0, "tasks") -> "experiments[0].tasks", the form the semantic checks use."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return text or "(top level)"


def schema_problems(config: dict, schema: dict | None = None) -> list[str]:
    """JSON-schema violations, one readable line each."""
    validator = jsonschema.Draft7Validator(schema or load_schema())
    problems = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        where = key_path(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = sorted(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed))
            for key in extra:
                name = f"{where}.{key}" if err.absolute_path else key
                problems.append(f"{name}: unknown key (allowed here: {', '.join(allowed)})")
        elif err.validator == "propertyNames":
            problems.append(f"{where}: name {err.instance!r} must be letters, digits, '_', '.' or '-'")
        else:
            problems.append(f"{where}: {err.message}")
    return problems


def semantic_problems(config: dict) -> list[str]:
    """Checks beyond the schema; assumes the schema passed."""
    from .baselines import baseline_entry, validate_baseline_config
    from .models import validate_model_config
    from .suite import reference_of
    from .tasks import TASKS, make_task, validate_task_config

    problems: list[str] = rule_name_clashes(config["tasks"])
    tasks, models = config["tasks"], config["models"]
    for name, spec in tasks.items():
        if spec["kind"] not in TASKS:
            problems.append(f"tasks.{name}.kind: unknown task kind {spec['kind']!r} (known: {', '.join(sorted(TASKS))})")
            continue
        problems += curriculum_problems(name, spec)
        task_errors = validate_task_config(name, spec["kind"], task_keys(spec))
        problems += task_errors
        task = None if task_errors else make_task(spec["kind"], task_keys(spec))
        entries = [baseline_entry(entry) for entry in spec.get("baselines", [])]
        for i, (_, baseline, params) in enumerate(entries):
            given = {**(task.baseline_params(baseline) if task else {}), **params}
            for reason in validate_baseline_config(baseline, given, spec["kind"]):
                problems.append(f"tasks.{name}.baselines[{i}]: {reason}")
        names = [label for label, _, _ in entries]
        reference = spec.get("reference")
        if reference is not None and reference not in names:
            if reference_of(config, name)["kind"] == "model":
                grid = experiment_grid(config)
                task_trained = any(t == name for t, _, _ in grid)  # a task no experiment trains needs no reference
                trains = any(t == name and m == reference for t, m, _ in grid)
                if task_trained and not trains:
                    problems.append(
                        f"tasks.{name}.reference: model {reference!r} is not trained on this task by any experiment"
                    )
            else:
                for reason in validate_baseline_config(reference, None, spec["kind"]):
                    problems.append(f"tasks.{name}.reference: {reason} (nor is it a model of this suite)")
    for name, spec in models.items():
        problems += validate_model_config(name, {k: v for k, v in spec.items() if k != "training"})
    for i, exp in enumerate(config.get("experiments") or []):
        for key, known in (("tasks", tasks), ("models", models)):
            for value in exp.get(key, []):
                if value not in known:
                    problems.append(
                        f"experiments[{i}].{key}: {value!r} is not defined under '{key}:' (defined: {sorted(known)})"
                    )
    if config.get("claims"):
        from .claims import claims_file_problems

        problems += claims_file_problems(config["claims"])
    if not problems:  # the checks below build tasks, so they need valid task configs
        problems += ood_problems(config)
    if not problems:
        for task, model in dict.fromkeys((t, m) for t, m, _ in experiment_grid(config)):
            settings = training_settings(config, task, model)
            if settings["warmup_steps"] > settings["steps"]:
                problems.append(
                    f"training.warmup_steps: {settings['warmup_steps']} exceeds training.steps "
                    f"{settings['steps']} for {task}/{model}"
                )
    return problems


def rule_name_clashes(tasks: dict) -> list[str]:
    """Task names that give one Snakemake rule name (``paper_<task>``, ``suite.rule_name``): Snakemake
    would refuse the second rule."""
    from .suite import FIXED_PAPER_RULES, rule_name

    first: dict[str, str] = {}
    problems = []
    for task in tasks:
        rule = rule_name("paper", task)
        if rule in FIXED_PAPER_RULES:
            problems.append(f"tasks.{task}: makes the Snakemake rule name {rule!r}, which the workflow's own "
                            "rule of that name has; rename the task")
            continue
        other = first.setdefault(rule, task)
        if other != task:
            problems.append(f"tasks.{task}: makes the Snakemake rule name {rule!r}, as task {other!r} does; "
                            "rename one of them")
    return problems


def ood_problems(config: dict) -> list[str]:
    """OOD entries must name defined, trained tasks with matching shapes, and applicable shifts."""
    from .baselines import baseline_entry, validate_baseline_config
    from .config import task_params
    from .shifts import shift_problems
    from .suite import ood_eval_task
    from .tasks import make_task
    from .train import max_points

    problems: list[str] = []
    tasks, trained = config["tasks"], {t for t, _, _ in experiment_grid(config)}
    for name, entry in (config.get("ood") or {}).items():
        where = f"ood.{name}"
        missing = [
            f"{where}.{key}: task {entry[key]!r} is not defined under 'tasks:' (defined: {sorted(tasks)})"
            for key in ("train", "eval_task")
            if key in entry and entry[key] not in tasks
        ]
        missing += [
            f"{where}.models: model {m!r} is not defined under 'models:'" for m in entry.get("models", [])
            if m not in config["models"]
        ]
        if missing:
            problems += missing
            continue
        if entry["train"] not in trained:
            problems.append(f"{where}.train: no experiment trains a model on task {entry['train']!r}")
        if "reference" in entry:
            _, baseline, params = baseline_entry(entry["reference"])
            kind = tasks[ood_eval_task(entry)]["kind"]
            problems += [
                f"{where}.reference: {reason}" for reason in validate_baseline_config(baseline, params, kind)
            ]
            problems += ood_reference_clashes(config, name)
        train_cfg = tasks[entry["train"]]
        train_task = make_task(train_cfg["kind"], task_params(train_cfg))
        if "eval_task" in entry:
            eval_cfg = tasks[entry["eval_task"]]
            eval_task = make_task(eval_cfg["kind"], task_params(eval_cfg))
            if (eval_task.x_dim, eval_task.y_dim) != (train_task.x_dim, train_task.y_dim):
                problems.append(
                    f"{where}.eval_task: {entry['eval_task']!r} has (x_dim, y_dim) = {(eval_task.x_dim, eval_task.y_dim)}"
                    f" but {entry['train']!r} has {(train_task.x_dim, train_task.y_dim)}"
                )
            longest = (eval_cfg.get("eval") or {}).get("n_points", eval_cfg["n_points"])
            if longest > max_points(train_cfg):
                problems.append(
                    f"{where}.eval_task: prompts of {longest} points exceed the {max_points(train_cfg)} positions "
                    f"models of {entry['train']!r} are built for (set tasks.{entry['train']}.max_points)"
                )
        else:
            problems += [
                f"{where}.{p}"
                for p in shift_problems(
                    entry["shift"], entry.get("params") or {}, train_task, train_cfg["n_points"], max_points(train_cfg)
                )
            ]
    return problems


def ood_reference_clashes(config: dict, name: str) -> list[str]:
    """An OOD entry's own reference may not take the label of an eval task's baseline with other settings
    (the scores would use the task's baseline and silently drop the entry's)."""
    from .baselines import baseline_entry
    from .suite import baselines_of, ood_eval_task

    entry = config["ood"][name]
    own, task = baseline_entry(entry["reference"]), ood_eval_task(entry)
    return [
        f"ood.{name}.reference: label {own[0]!r} is already a baseline of task {task!r} with other settings "
        f"({other[1]} {other[2] or 'default parameters'}, here {own[1]} {own[2] or 'default parameters'}); "
        "give the reference a distinct 'label:'"
        for other in baselines_of(config, task)
        if other[0] == own[0] and other != own
    ]


def task_keys(spec: dict) -> dict:
    from .config import task_params

    return task_params(spec)


def curriculum_problems(name: str, spec: dict) -> list[str]:
    """A curriculum must start within the task's size and end exactly at it."""
    problems = []
    full = {"dims": spec["n_dims"], "points": spec["n_points"]}
    for axis, schedule in (spec.get("curriculum") or {}).items():
        where = f"tasks.{name}.curriculum.{axis}"
        if schedule["end"] > full[axis]:
            problems.append(
                f"{where}.end: {schedule['end']} overshoots the task's n_{axis} = {full[axis]}"
            )
        elif schedule["end"] != full[axis]:
            problems.append(f"{where}.end: {schedule['end']} stops short of the task's n_{axis} = {full[axis]}")
        if schedule["start"] > schedule["end"]:
            problems.append(f"{where}.start: {schedule['start']} is larger than end {schedule['end']}")
    return problems


def config_problems(config: object) -> list[str]:
    """All problems of a config: schema first, semantics only once the schema holds."""
    from .bounds import non_finite_problems, point_problems, size_problems

    if not isinstance(config, dict):
        return [f"(top level): the config must be a mapping, got {type(config).__name__}"]
    problems = non_finite_problems(config) or schema_problems(config)
    problems = problems or semantic_problems(config) + point_problems(config)
    return problems or size_problems(config)


def check_config(config: object, source: str = "config") -> None:
    """Raise ConfigError listing every problem, or return quietly."""
    problems = config_problems(config)
    if problems:
        raise ConfigError(problems, source)
