"""Rule baselines: errors of every classical baseline of a task on its fixed prompts."""

import time

import pandas as pd

from hybrid_icl.config import task_params
from hybrid_icl.evaluate import baseline_errors, load_prompts, tidy_errors, write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import make_task

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    task = make_task(sm.params.task["kind"], task_params(sm.params.task))
    prompts = load_prompts(sm.input.prompts)
    frames = []
    for label, name, params in sm.params.baselines:
        started = time.time()
        errors = baseline_errors(task, prompts, name, params)
        frames.append(
            tidy_errors(errors, task.scored, task=sm.wildcards.task, seed=int(sm.wildcards.seed), baseline=label)
        )
        print(f"{label}: mean error {errors.mean():.4f} ({time.time() - started:.1f}s)")
    write_table(pd.concat(frames, ignore_index=True), sm.output[0])
