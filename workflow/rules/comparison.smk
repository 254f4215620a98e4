# Our scores beside the paper's Table 3 (hybrid_icl.paper_comparison; the paper's cells are package
# data, src/hybrid_icl/data/paper_table3.csv): every cell the paper has, with our interval, and
# whether each task's models rank as in the paper. Part of `all` and of the paper targets
# whenever the suite has a model and task of the paper's table.
COMPARISON = SUITE.comparison_setup()
COMPARISON_TARGETS = SUITE.summary_targets()["paper_comparison"]


rule paper_comparison:
    input:
        scores=PATH("scores", ext="csv"),
    output:
        csv=PATH("paper_comparison", ext="csv"),
        order=PATH("paper_order"),
        markdown=PATH("paper_comparison", ext="md"),
        html=report(
            PATH("paper_comparison", ext="html"),
            caption="../report/paper_comparison.rst",
            category="Comparison with the paper",
            labels={"table": "scores beside the paper's Table 3"},
        ),
    log:
        LOG("paper_comparison"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        kinds=COMPARISON.kinds,
        archs=COMPARISON.archs,
        paper_scale=COMPARISON.paper_scale,
    script:
        "../../scripts/paper_comparison.py"
