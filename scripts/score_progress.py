"""Rule score_progress: error vs training step per model of one task, with intervals."""

from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import progress_summary, read_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    models = read_tables(sm.input.models)  # diverged runs are counted, not summarised
    table = progress_summary(models, read_tables(sm.input.baselines), sm.params.bootstrap, sm.params.confidence)
    write_table(table, sm.output[0])
    print(table.to_string(index=False))
