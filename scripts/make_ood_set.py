"""Rule ood_eval_set: the fixed prompts of one out-of-distribution evaluation and seed."""

from hybrid_icl.evaluate import ood_prompts, save_prompts
from hybrid_icl.jobs import job_log

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    name, seed = sm.wildcards.ood, int(sm.wildcards.seed)
    prompts, scored = ood_prompts(name, dict(sm.params.entry), dict(sm.params.tasks), seed, sm.params.n_prompts)
    save_prompts(prompts, sm.output[0], {"ood": name, "seed": seed, "entry": dict(sm.params.entry), "scored": scored})
    print(f"{name}/s{seed}: {tuple(prompts.xs.shape)} inputs, scored positions: {scored}")
