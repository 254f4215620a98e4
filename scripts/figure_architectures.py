"""Rule figure_architectures: each model's layer stack side by side."""

from hybrid_icl.jobs import job_log
from hybrid_icl.models.diagram import draw_architectures

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    draw_architectures(dict(sm.params.models), sm.output.pdf, sm.output.png)
