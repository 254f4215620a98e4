"""Rule figure_scores: models x tasks heat-map of ICL regression scores."""

import pandas as pd

from hybrid_icl.jobs import job_log
from hybrid_icl.plots import save, score_heatmap_figure

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    save(score_heatmap_figure(pd.read_csv(sm.input.scores)), sm.output.pdf, sm.output.png)
