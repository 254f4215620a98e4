# Named targets for the paper's table and figures. Each copies one suite output to the top of the
# suite folder (<output_dir>/<suite>, i.e. results/paper/ with config/paper.yaml) and builds
# exactly what that table or figure needs (after `dvc pull`: nothing else). The copies are local
# rules; they never go to SLURM.
#
#   snakemake paper_table --profile profiles/slurm --configfile config/paper.yaml
#   snakemake results/paper/fig_errors_linear.pdf --cores 2 --configfile config/paper.yaml
#   snakemake paper --profile profiles/slurm --configfile config/paper.yaml   # all of them
#   snakemake paper_comparison --cores 1 --configfile config/paper.yaml      # beside Table 3
#
# (targets before --configfile, which takes several values). paper_<task>: one task's figures.
# The file names: hybrid_icl.suite (FILES, PAPER_FIGURES).


rule paper_table_file:
    input:
        PATH("scores"),
    output:
        PATH("paper_table"),
    log:
        LOG("paper/table_scores.{ext}"),
    wildcard_constraints:
        ext="csv|md|tex",
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper_figure_file:
    input:
        PATH("figure"),
    output:
        PATH("paper_figure"),
    log:
        LOG("paper/fig_{figure}.{ext}"),
    wildcard_constraints:
        figure="[^/]+",
        ext="pdf|png",
    localrule: True
    conda:
        CONDA_ENV
    shell:
        "cp -- {input} {output} 2> {log}"


rule paper:
    input:
        SUITE.paper_targets() + COMPARISON_TARGETS,
    localrule: True


# The score table and, beside it, the comparison with the paper's Table 3 (comparison.smk).
rule paper_table:
    input:
        list(SUITE.paper_table().values()) + COMPARISON_TARGETS,
    localrule: True


rule paper_figures:
    input:
        SUITE.paper_figures(),
    localrule: True


# One named target per task: paper_<task> (its error-vs-context and training-loss figures).
for _task in SUITE.tasks():

    rule:
        name:
            rule_name("paper", _task)
        input:
            SUITE.paper_targets(_task),
        localrule: True
