"""Rule figure_progress: error vs training step for one task."""

from hybrid_icl.artifacts import load_csv
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import progress_figure, save

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    fig = progress_figure(load_csv(sm.input[0]), sm.wildcards.task, list(sm.params.models))
    save(fig, sm.output.pdf, sm.output.png)
