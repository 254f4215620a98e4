"""Rule score: the per-task curves and ICL scores joined into the suite's tables (CSV, Markdown, LaTeX),
and the secondary metrics' scores into their own tables (CSV, Markdown)."""

import pandas as pd

from hybrid_icl.artifacts import load_csv
from hybrid_icl.atomic import atomic_write_text
from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import secondary_scores_markdown, write_score_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves = pd.concat([load_csv(path) for path in sm.input.curves], ignore_index=True)
    scores = pd.concat([load_csv(path) for path in sm.input.scores], ignore_index=True)
    out = sm.output
    write_score_tables(curves, scores, out.curves, out.scores, out.markdown, out.latex, sm.params.confidence)
    print(scores.to_string(index=False))
    secondary = pd.concat([load_csv(path) for path in sm.input.secondary_scores], ignore_index=True)
    write_table(secondary, sm.output.secondary_scores)
    atomic_write_text(sm.output.secondary_markdown, secondary_scores_markdown(secondary, sm.params.confidence))
