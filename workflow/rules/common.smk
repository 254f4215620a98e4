# The suite (hybrid_icl.suite.Suite): validated config, file layout, run grid, references,
# baselines and OOD resolution. Rules ask it through the one-line functions below.
import os
import sys

from hybrid_icl.allocator import with_heap_malloc
from hybrid_icl.config import workflow_config
from hybrid_icl.jobs import with_package_path
from hybrid_icl.provenance import figure_code_version
from hybrid_icl.suite import Suite, rule_name
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
SUITE = Suite(config)

# Every job inherits this: large CPU tensors stay on glibc's heap instead of fresh mmap'd pages
# (src/hybrid_icl/allocator.py; at long contexts a training step is up to ~1.8x faster).
os.environ.update(with_heap_malloc(os.environ))
# ... and imports this package, also inside a conda env (src/hybrid_icl/jobs.py).
os.environ.update(with_package_path(os.environ))


wildcard_constraints:
    task="[A-Za-z0-9][A-Za-z0-9_.-]*",
    model="[A-Za-z0-9][A-Za-z0-9_.-]*",
    seed="[0-9]+",


PATH = SUITE.layout.path
LOG = SUITE.layout.log
BENCHMARK = SUITE.layout.benchmark
FIGURE = SUITE.figure
EVAL = SUITE.evaluation
# Conda environment of every rule, for users who run with --sdm conda (the pip venv is the default).
CONDA_ENV = f"../../envs/{config.get('conda_env', 'cpu')}.yaml"


def training_resource(key):
    return lambda wc: SUITE.resource(wc.task, wc.model, key)


def baseline_resource(key):
    return lambda wc: SUITE.baseline_resource(wc.task, key)


def run_settings(wc):
    return SUITE.run_settings(wc.task, wc.model, int(wc.seed))


def task_settings(wc):
    return SUITE.task_settings(wc.task)


def run_files(name):
    return lambda wc: [
        PATH(name, task=t, model=m, seed=s) for t, m, s in SUITE.runs_of(wc.task)
    ]


def baseline_files(wc):
    return [PATH("baselines", task=wc.task, seed=s) for s in SUITE.seeds_of(wc.task)]
