"""Rules score_task and ood_score: error curves with intervals and ICL regression scores of a set of runs
(Markdown and LaTeX tables too when the rule declares them)."""

from hybrid_icl.jobs import job_log
from hybrid_icl.tables import read_tables, summarise, write_score_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves, scores = summarise(
        read_tables(sm.input.models),
        read_tables(sm.input.baselines),
        dict(sm.params.references),
        n_boot=sm.params.bootstrap,
        confidence=sm.params.confidence,
    )
    out = sm.output
    write_score_tables(
        curves, scores, out.curves, out.scores, out.get("markdown"), out.get("latex"), sm.params.confidence
    )
    print(scores.to_string(index=False))
