"""Rule evaluate_progress: errors of every kept training snapshot of one run."""

from hybrid_icl.config import task_params
from hybrid_icl.evaluate import load_prompts, snapshot_errors, write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tasks import make_task
from hybrid_icl.train import load_model_file

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    payload = load_model_file(sm.input.model)
    task_cfg = payload["run"]["task"]
    task = make_task(task_cfg["kind"], task_params(task_cfg))
    frame = snapshot_errors(payload, task, load_prompts(sm.input.prompts), sm.params.batch_size)
    for key, value in (("model", sm.wildcards.model), ("seed", int(sm.wildcards.seed))):
        frame.insert(0, key, value)
    frame["status"] = payload["summary"]["status"]
    write_table(frame, sm.output[0])
    print(frame.groupby("step")["error"].mean().to_string())
