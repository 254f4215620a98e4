"""Rule figure_loss: training loss curves of every run of one task."""

from hybrid_icl.artifacts import load_csv
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import loss_curves_figure, save

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    logs = {label: load_csv(path) for label, path in zip(sm.params.labels, sm.input.logs)}
    save(loss_curves_figure(logs, sm.wildcards.task, list(sm.params.models)), sm.output.pdf, sm.output.png)
