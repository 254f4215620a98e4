"""Rule train: train (or resume) one model on one task with one seed."""

from pathlib import Path

from hybrid_icl.jobs import job_log
from hybrid_icl.train import train_run

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    run = dict(sm.params.run)
    run["training"] = {**run["training"], "threads": sm.threads, "device": sm.params.device}
    summary = train_run(run, Path(sm.output.model), Path(sm.output.log), Path(sm.params.resume_dir))
    print(f"finished: {summary}")
