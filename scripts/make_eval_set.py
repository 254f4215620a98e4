"""Rule eval_set: the fixed evaluation prompts of one (task, seed)."""

from hybrid_icl.evaluate import eval_prompts, save_prompts
from hybrid_icl.jobs import job_log

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    task, seed = sm.wildcards.task, int(sm.wildcards.seed)
    prompts = eval_prompts(task, sm.params.task, seed, sm.params.n_prompts)
    save_prompts(prompts, sm.output[0], {"task": task, "seed": seed, "task_config": sm.params.task})
    print(f"{task}/s{seed}: {tuple(prompts.xs.shape)} inputs, {tuple(prompts.ys.shape)} targets")
