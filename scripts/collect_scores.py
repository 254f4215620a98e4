"""Rule score: the per-task curves and ICL scores joined into the suite's tables (CSV, Markdown, LaTeX)."""

import pandas as pd

from hybrid_icl.atomic import atomic_write_text
from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import scores_latex, scores_markdown

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves = pd.concat([pd.read_csv(path) for path in sm.input.curves], ignore_index=True)
    scores = pd.concat([pd.read_csv(path) for path in sm.input.scores], ignore_index=True)
    write_table(curves, sm.output.curves)
    write_table(scores, sm.output.scores)
    atomic_write_text(sm.output.markdown, scores_markdown(scores))
    atomic_write_text(sm.output.latex, scores_latex(scores))
    print(scores.to_string(index=False))
