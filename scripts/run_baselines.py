"""Rules baselines and ood_baselines: errors of every classical baseline on fixed prompts."""

import time

import pandas as pd
import torch

from hybrid_icl.config import task_params
from hybrid_icl.evaluate import baseline_errors_by_metric, load_prompts, tidy_errors, write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import make_task

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    torch.set_num_threads(sm.threads)
    task = make_task(sm.params.task["kind"], task_params(sm.params.task))
    label = getattr(sm.wildcards, "ood", None) or sm.wildcards.task
    scored = getattr(sm.params, "scored", None) or task.scored
    prompts = load_prompts(sm.input.prompts)
    frames = []
    for name_label, name, params in sm.params.baselines:
        started = time.time()
        errors = baseline_errors_by_metric(task, prompts, name, params)
        frames.append(tidy_errors(errors, scored, task=label, seed=int(sm.wildcards.seed), baseline=name_label))
        print(f"{name_label}: mean error {errors['error'].mean():.4f} ({time.time() - started:.1f}s)")
    write_table(pd.concat(frames, ignore_index=True), sm.output[0])
