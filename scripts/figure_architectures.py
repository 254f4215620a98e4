"""Rule figure_architectures: each model's layer stack side by side."""

from hybrid_icl.jobs import job_log
from hybrid_icl.models.diagram import draw_architectures
from hybrid_icl.models.settings import raw_spec

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    specs = [(name, raw_spec(cfg)) for name, cfg in sm.params.models.items()]
    draw_architectures(specs, sm.output.pdf, sm.output.png)
