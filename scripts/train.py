"""Rule train: train (or resume) one model on one task with one seed."""

import os

from hybrid_icl.allocator import malloc_mode
from hybrid_icl.jobs import job_log
from hybrid_icl.suite import Suite
from hybrid_icl.train import train_run

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    print(f"malloc: {malloc_mode(os.environ)}")  # heap: the Snakefile's allocator setting (allocator.py)
    # The same assembly as the rule's params (Suite.run_settings) plus resources, which never retrain.
    job = Suite(sm.config).training_job(sm.wildcards.task, sm.wildcards.model, sm.wildcards.seed, threads=sm.threads)
    # Resumable state beside, not among, the declared outputs (Snakemake deletes those on rerun).
    summary = train_run(job.run, job.model_path, job.log_path, job.resume_dir)
    print(f"finished: {summary}")
