"""Rule train: train (or resume) one model on one task with one seed."""

import os
from pathlib import Path

from hybrid_icl.allocator import malloc_mode
from hybrid_icl.config import RESOURCE_KEYS, training_settings
from hybrid_icl.jobs import job_log
from hybrid_icl.train import train_run

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    print(f"malloc: {malloc_mode(os.environ)}")  # heap: the Snakefile's allocator setting (allocator.py)
    run = dict(sm.params.run)
    # Resource settings are read from the config, not params, so changing them never retrains.
    local = training_settings(sm.config, sm.wildcards.task, sm.wildcards.model)
    run["training"] = {**run["training"], **{k: local[k] for k in RESOURCE_KEYS}, "threads": sm.threads}
    run["code_version"] = sm.params.code
    model_path = Path(sm.output.model)
    # Resumable state beside, not among, the declared outputs (Snakemake deletes those on rerun).
    summary = train_run(run, model_path, Path(sm.output.log), model_path.parent / "resume")
    print(f"finished: {summary}")
