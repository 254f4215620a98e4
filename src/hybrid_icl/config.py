"""Reading a suite config and resolving the settings of one run.

A suite config (config/*.yaml) names tasks, models, training defaults, seeds and which
(task, model) pairs to train. ``resolve_run`` merges the layers of defaults into the one flat
dict that a training job receives through Snakemake ``params:`` (so any change reruns it).
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from .yaml_strict import ConfigFileError, load_yaml, typed_value

TRAINING_DEFAULTS: dict[str, Any] = {
    "steps": 1000,
    "batch_size": 64,
    "optimizer": "adamw",
    "lr": 1e-3,
    "weight_decay": 0.0,
    "betas": [0.9, 0.999],
    "warmup_steps": 0,
    "schedule": "constant",
    "grad_clip": None,
    "log_every": 100,
    "checkpoint_every": 500,
    "keep_checkpoints": 2,
    "snapshot_every": None,
    "precision": "fp32",
    "compile": False,
    "tf32": True,
    "fused_optimizer": True,
    "threads": 1,
    "device": "auto",
    "gpu": 1,
    "mem_mb": 2000,
    "runtime_min": 60,
}

# Settings that decide where and how fast a run goes, not what it computes. tf32 and
# fused_optimizer act only on CUDA and change its numbers at rounding level, as the GPU model does.
RESOURCE_KEYS = ("threads", "mem_mb", "runtime_min", "keep_checkpoints", "device", "gpu", "tf32", "fused_optimizer")

# Job resources of a task's baselines rule (suite-level ``baseline_resources``, per-task override);
# they never change a result.
BASELINE_RESOURCE_DEFAULTS: dict[str, Any] = {"threads": 1, "mem_mb": 2000, "runtime_min": 60}

EVALUATION_DEFAULTS: dict[str, Any] = {
    "n_prompts": 1280,
    "batch_size": 256,
    "bootstrap": 1000,
    "confidence": 0.95,
}


DISABLEABLE_SECTIONS = ("tasks", "models", "ood")


def load_config(*paths: str | Path) -> dict:
    """Read a YAML suite config, or several layered like ``snakemake --configfile a.yaml b.yaml``.

    Later files merge into earlier ones key by key (mappings merge, other values replace); entries
    set to null are dropped after merging (see ``drop_disabled``).
    """
    if not paths:
        raise TypeError("load_config needs at least one path")
    config: Any = {}
    for path in paths:
        layer = load_yaml(path) or {}  # duplicate keys, syntax errors: ConfigFileError naming file and line
        if not isinstance(layer, dict):
            kind = "a layered config file" if len(paths) > 1 else "a config file"
            raise ConfigFileError(f"{path}: {kind} must be a mapping of keys, got {type(layer).__name__}")
        config = deep_merge(config, layer)
    return drop_disabled(config)


def workflow_config(configfiles: list[str], overrides: dict | None) -> dict:
    """The config of a Snakemake invocation, read the package's way: its ``--configfile`` files read
    strictly (duplicate keys are errors) and layered, then its ``--config key=value`` overrides, typed
    as YAML types them (Snakemake leaves ``seeds=[0,1]`` as ['0', '1'])."""
    config = load_config(*configfiles) if configfiles else {}
    return drop_disabled(deep_merge(config, typed_value(overrides or {})))


def drop_disabled(config: dict) -> dict:
    """Remove the entries of tasks / models / ood that are set to null, in place; returns ``config``.

    A second config file layered over a suite (``--configfile suite.yaml slice.yaml``) merges into
    it key by key, so this is how it switches an entry off, e.g. ``ood: {sparse_on_dense: null}``.
    """
    for section in DISABLEABLE_SECTIONS:
        entries = config.get(section)
        if isinstance(entries, dict):
            for name in [n for n, v in entries.items() if v is None]:
                del entries[name]
    return config


def deep_merge(base: dict, override: dict | None) -> dict:
    """Recursively merge ``override`` into a copy of ``base`` (mappings merge, other values replace)."""
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def training_settings(config: dict, task: str, model: str) -> dict:
    """Training settings of one (task, model): defaults < suite < task overrides < model overrides."""
    settings = deep_merge(TRAINING_DEFAULTS, config.get("training"))
    settings = deep_merge(settings, config["tasks"][task].get("training"))
    return deep_merge(settings, config["models"][model].get("training"))


def baseline_resources(config: dict, task: str) -> dict:
    """threads, mem_mb, runtime_min of a task's baselines job: defaults < suite < task."""
    settings = deep_merge(BASELINE_RESOURCE_DEFAULTS, config.get("baseline_resources"))
    return deep_merge(settings, config["tasks"][task].get("baseline_resources"))


def evaluation_settings(config: dict) -> dict:
    return deep_merge(EVALUATION_DEFAULTS, config.get("evaluation"))


def canonical(value: Any) -> Any:
    """A copy with every mapping's keys sorted: job params that do not depend on key order in the YAML."""
    return json.loads(json.dumps(value, sort_keys=True))


def task_settings(config: dict, task: str) -> dict:
    """The task's definition alone (kind, n_dims, n_points, task params, curriculum)."""
    spec = config["tasks"][task]
    return canonical({k: v for k, v in spec.items() if k not in ("training", "baselines", "reference", "baseline_resources")})


def task_params(task_cfg: dict) -> dict:
    """Keyword arguments of ``make_task`` (everything but the pipeline's own keys)."""
    pipeline_keys = {"kind", "n_points", "max_points", "curriculum", "training", "baselines", "reference", "eval", "baseline_resources"}
    return {k: v for k, v in task_cfg.items() if k not in pipeline_keys}


def model_settings(config: dict, model: str) -> dict:
    """The model's architecture settings (without its training overrides)."""
    return canonical({k: v for k, v in config["models"][model].items() if k != "training"})


def resolve_run(config: dict, task: str, model: str, seed: int) -> dict:
    """Everything that determines one trained run, as one JSON-able dict."""
    return canonical(
        {
            "task_name": task,
            "model_name": model,
            "seed": int(seed),
            "task": task_settings(config, task),
            "model": model_settings(config, model),
            "training": training_settings(config, task, model),
        }
    )


def result_affecting(run: dict) -> dict:
    """The part of a resolved run that can change its numbers (not threads, logging or memory)."""
    run = copy.deepcopy(run)
    for key in RESOURCE_KEYS:
        run["training"].pop(key, None)
    return run


def stable_seed(*parts: Any) -> int:
    """A 63-bit seed derived from any labels (e.g. ("eval", task, seed)); the same across runs and machines."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


def experiment_grid(config: dict) -> list[tuple[str, str, int]]:
    """All (task, model, seed) runs to train, in config order, without duplicates."""
    seeds = config.get("seeds", [0])
    runs: list[tuple[str, str, int]] = []
    for exp in config.get("experiments") or [{}]:
        tasks = exp.get("tasks") or list(config["tasks"])
        models = exp.get("models") or list(config["models"])
        for task in tasks:
            for model in models:
                for seed in exp.get("seeds", seeds):
                    if (task, model, seed) not in runs:
                        runs.append((task, model, int(seed)))
    return runs
