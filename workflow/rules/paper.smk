# Named targets for the paper's table and figures. Each copies one suite output to the top of the
# suite folder (OUT = <output_dir>/<suite>, i.e. results/paper/ with config/paper.yaml) and builds
# exactly what that table or figure needs (after `dvc pull`: nothing else). The copies are local
# rules; they never go to SLURM.
#
#   snakemake paper_table --profile profiles/slurm --configfile config/paper.yaml
#   snakemake results/paper/fig_errors_linear.pdf --cores 2 --configfile config/paper.yaml
#   snakemake paper --profile profiles/slurm --configfile config/paper.yaml   # all of them
#
# (targets before --configfile, which takes several values). paper_<task>: one task's figures.
import re

PAPER_TABLE = {ext: f"{OUT}/table_scores.{ext}" for ext in ("csv", "md", "tex")}
PAPER_ERRORS = OUT + "/fig_errors_{task}.{ext}"
PAPER_LOSS = OUT + "/fig_loss_{task}.{ext}"
PAPER_SCORES = OUT + "/fig_scores.{ext}"
PAPER_EXTS = ("pdf", "png")


def paper_targets(task=None):
    """Files of the paper targets: all of them, or the two figures of one task."""
    if task:
        tasks, files = [task], []
    else:
        tasks = tasks_in_use()
        files = list(PAPER_TABLE.values()) + expand(PAPER_SCORES, ext=PAPER_EXTS)
    for pattern in (PAPER_ERRORS, PAPER_LOSS):
        files += expand(pattern, task=tasks, ext=PAPER_EXTS)
    return files


rule paper_table_files:
    input:
        csv=rules.score.output.scores,
        md=rules.score.output.markdown,
        tex=rules.score.output.latex,
    output:
        **PAPER_TABLE,
    log:
        OUT + "/logs/paper/table_scores.log",
    localrule: True
    shell:
        "(cp -- {input.csv} {output.csv} && cp -- {input.md} {output.md}"
        " && cp -- {input.tex} {output.tex}) 2> {log}"


rule paper_errors_figure:
    input:
        OUT + "/figures/errors_{task}.{ext}",
    output:
        PAPER_ERRORS,
    log:
        OUT + "/logs/paper/fig_errors_{task}.{ext}.log",
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper_loss_figure:
    input:
        OUT + "/figures/loss_{task}.{ext}",
    output:
        PAPER_LOSS,
    log:
        OUT + "/logs/paper/fig_loss_{task}.{ext}.log",
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper_scores_figure:
    input:
        OUT + "/figures/scores.{ext}",
    output:
        PAPER_SCORES,
    log:
        OUT + "/logs/paper/fig_scores.{ext}.log",
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper:
    input:
        paper_targets(),
    localrule: True


rule paper_table:
    input:
        list(PAPER_TABLE.values()),
    localrule: True


rule paper_figures:
    input:
        [f for f in paper_targets() if f not in PAPER_TABLE.values()],
    localrule: True


# One named target per task: paper_<task> (its error-vs-context and training-loss figures).
for _task in tasks_in_use():

    rule:
        name:
            "paper_" + re.sub(r"\W", "_", _task)
        input:
            paper_targets(_task),
        localrule: True
