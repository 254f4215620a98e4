"""Rule baseline_predictions: every baseline's predictions, and the targets, on the first prompts of
one (task, seed) evaluation set (.npz, one array per baseline label)."""

import torch

from hybrid_icl.config import task_params
from hybrid_icl.distances import TARGETS, save_predictions
from hybrid_icl.evaluate import baseline_predictions, load_prompts
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import Prompts, make_task

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    torch.set_num_threads(sm.threads)
    task = make_task(sm.params.task["kind"], task_params(sm.params.task))
    full = load_prompts(sm.input.prompts)
    prompts = Prompts(full.xs[: sm.params.n_prompts], full.ys[: sm.params.n_prompts])
    preds = {label: baseline_predictions(task, prompts, name, params) for label, name, params in sm.params.baselines}
    save_predictions(sm.output[0], {**preds, TARGETS: prompts.ys})
    print(f"{len(preds)} baselines on {prompts.xs.shape[0]} prompts: {', '.join(preds)}")
