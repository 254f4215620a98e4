"""Rules evaluate and ood_evaluate: errors of one trained model on fixed prompts."""

import numpy as np

from hybrid_icl.config import task_params
from hybrid_icl.evaluate import load_prompts, model_errors_by_metric, tidy_errors, write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import make_task
from hybrid_icl.train import load_trained

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    payload, model, task = load_trained(sm.input.model)
    scoring = getattr(sm.params, "task", None)  # OOD: the metric of the prompts' task
    if scoring:
        task = make_task(scoring["kind"], task_params(scoring))
    scored = getattr(sm.params, "scored", None) or task.scored
    prompts = load_prompts(sm.input.prompts)
    status = payload["summary"]["status"]
    if model is None:
        print(f"run did not complete ({status}): {payload['summary']['message']}; errors recorded as NaN")
        missing = np.full(tuple(prompts.ys.shape[:2]), np.nan)
        errors = {name: missing for name in ("error", *task.secondary_metrics)}
    else:
        errors = model_errors_by_metric(model, task, prompts, sm.params.batch_size)
        shape = errors["error"].shape
        print(f"mean error {np.nanmean(errors['error']):.4f} over {shape[0]} prompts x {shape[1]} positions")
    label = getattr(sm.wildcards, "ood", None) or sm.wildcards.task
    frame = tidy_errors(errors, scored, task=label, model=sm.wildcards.model, seed=int(sm.wildcards.seed))
    frame["status"] = status
    write_table(frame, sm.output[0])
