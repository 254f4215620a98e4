"""Rule predict: a trained model's predictions on the first prompts of its evaluation set (.npz)."""

from hybrid_icl.distances import save_predictions
from hybrid_icl.evaluate import load_prompts, model_predictions
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import Prompts
from hybrid_icl.train import load_trained

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    payload, model, _ = load_trained(sm.input.model)
    full = load_prompts(sm.input.prompts)
    prompts = Prompts(full.xs[: sm.params.n_prompts], full.ys[: sm.params.n_prompts])
    if model is None:  # a diverged run has no predictions; an empty file marks it
        print(f"run did not complete ({payload['summary']['status']}): no predictions")
        save_predictions(sm.output[0], {})
    else:
        preds = model_predictions(model, prompts, sm.params.batch_size)
        save_predictions(sm.output[0], {"predictions": preds})
        print(f"predictions {tuple(preds.shape)} on the first {prompts.xs.shape[0]} prompts")
