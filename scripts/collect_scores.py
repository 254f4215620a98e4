"""Rule score: the per-task curves and ICL scores joined into the suite's tables (CSV, Markdown, LaTeX)."""

import pandas as pd

from hybrid_icl.jobs import job_log
from hybrid_icl.tables import write_score_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves = pd.concat([pd.read_csv(path) for path in sm.input.curves], ignore_index=True)
    scores = pd.concat([pd.read_csv(path) for path in sm.input.scores], ignore_index=True)
    out = sm.output
    write_score_tables(curves, scores, out.curves, out.scores, out.markdown, out.latex, sm.params.confidence)
    print(scores.to_string(index=False))
