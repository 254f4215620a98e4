"""Rule figure_architectures: each model's layer stack side by side."""

from hybrid_icl.jobs import job_log
from hybrid_icl.models.diagram import architecture_columns
from hybrid_icl.models.settings import raw_spec
from hybrid_icl.plots import architectures_figure, save

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    specs = [(name, raw_spec(cfg)) for name, cfg in sm.params.models.items()]
    save(architectures_figure(architecture_columns(specs)), sm.output.pdf, sm.output.png)
