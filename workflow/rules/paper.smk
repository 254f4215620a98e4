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
# The file names and paper_targets() live in common.smk.


rule paper_table_files:
    input:
        csv=rules.score.output.scores,
        md=rules.score.output.markdown,
        tex=rules.score.output.latex,
    output:
        **PAPER_TABLE,
    log:
        out("logs/paper/table_scores.log"),
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "(cp -- {input.csv} {output.csv} && cp -- {input.md} {output.md}"
        " && cp -- {input.tex} {output.tex}) 2> {log}"


rule paper_errors_figure:
    input:
        out("figures/errors_{task}.{ext}"),
    output:
        PAPER_ERRORS,
    log:
        out("logs/paper/fig_errors_{task}.{ext}.log"),
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper_loss_figure:
    input:
        out("figures/loss_{task}.{ext}"),
    output:
        PAPER_LOSS,
    log:
        out("logs/paper/fig_loss_{task}.{ext}.log"),
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper_scores_figure:
    input:
        out("figures/scores.{ext}"),
    output:
        PAPER_SCORES,
    log:
        out("logs/paper/fig_scores.{ext}.log"),
    wildcard_constraints:
        ext="pdf|png",
    localrule: True
    conda:
        CONDA_ENV
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
            paper_rule_name(_task)
        input:
            paper_targets(_task),
        localrule: True
