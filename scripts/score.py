"""Rules score_task and ood_score: error curves with intervals and ICL regression scores of a set of runs
(Markdown and LaTeX tables too when the rule declares them; the task's secondary metrics' curves and
scores when the rule declares those outputs)."""

from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import read_tables, secondary_summaries, summarise, write_score_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    models, baselines = read_tables(sm.input.models), read_tables(sm.input.baselines)
    settings = dict(references=dict(sm.params.references), n_boot=sm.params.bootstrap, confidence=sm.params.confidence)
    curves, scores = summarise(models, baselines, **settings)
    out = sm.output
    write_score_tables(
        curves, scores, out.curves, out.scores, out.get("markdown"), out.get("latex"), sm.params.confidence
    )
    print(scores.to_string(index=False))
    if out.get("secondary_scores"):
        curves, scores = secondary_summaries(models, baselines, metrics=list(sm.params.secondary), **settings)
        write_table(curves, out.secondary_curves)
        write_table(scores, out.secondary_scores)
        print(scores.to_string(index=False))
