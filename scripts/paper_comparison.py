"""Rule paper_comparison: our ICL scores beside the paper's Table 3 (CSV, order CSV, Markdown, HTML)."""

import pandas as pd

from hybrid_icl.atomic import atomic_write_text
from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.paper_comparison import comparison_html, comparison_markdown, compare, order_agreement

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    comparison = compare(pd.read_csv(sm.input.scores), dict(sm.params.kinds), dict(sm.params.archs))
    order = order_agreement(comparison)
    write_table(comparison, sm.output.csv)
    write_table(order, sm.output.order)
    atomic_write_text(sm.output.markdown, comparison_markdown(comparison, order, sm.params.paper_scale))
    atomic_write_text(sm.output.html, comparison_html(comparison, order, sm.params.paper_scale))
    print(comparison.to_string(index=False))
    print(order.to_string(index=False))
