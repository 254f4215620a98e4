"""Rules score_task and ood_score: error curves with intervals and ICL regression scores of a set of runs
(Markdown and LaTeX tables too when the rule asks for them)."""

from hybrid_icl.atomic import atomic_write_text
from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import read_tables, scores_latex, scores_markdown, summarise

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    curves, scores = summarise(
        read_tables(sm.input.models),
        read_tables(sm.input.baselines),
        dict(sm.params.references),
        n_boot=sm.params.bootstrap,
        confidence=sm.params.confidence,
    )
    write_table(curves, sm.output.curves)
    write_table(scores, sm.output.scores)
    if "markdown" in sm.output.keys():
        atomic_write_text(sm.output.markdown, scores_markdown(scores))
        atomic_write_text(sm.output.latex, scores_latex(scores))
    print(scores.to_string(index=False))
