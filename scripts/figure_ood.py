"""Rule figure_ood: one panel per out-of-distribution evaluation (models and baselines)."""

from hybrid_icl.artifacts import load_csv
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import ood_panels_figure, save

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves, scores = load_csv(sm.input.curves), load_csv(sm.input.scores)
    figure = ood_panels_figure(curves, dict(sm.params.panels), list(sm.params.models), scores)
    save(figure, sm.output.pdf, sm.output.png)
