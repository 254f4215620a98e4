"""Rule figure_scores: models x tasks heat-map of ICL regression scores."""

from hybrid_icl.artifacts import load_csv
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import save, score_heatmap_figure

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    save(score_heatmap_figure(load_csv(sm.input.scores)), sm.output.pdf, sm.output.png)
