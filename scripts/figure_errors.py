"""Rule figure_errors: error vs number of in-context examples for one task."""

from hybrid_icl.artifacts import load_csv
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import error_curves_figure, save

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves, scores = load_csv(sm.input.curves), load_csv(sm.input.scores)
    models = list(sm.params.models)
    fig = error_curves_figure(curves, sm.wildcards.task, sm.params.metric, sm.params.reference, models, scores)
    save(fig, sm.output.pdf, sm.output.png)
