# Paper-style figures (PDF for papers, PNG for the HTML report).


rule figure_errors:
    input:
        curves=rules.score_task.output.curves,
        scores=rules.score_task.output.scores,
    output:
        pdf=FIGURE("errors_{task}", "pdf"),
        png=report(
            FIGURE("errors_{task}", "png"),
            caption="../report/errors.rst",
            category="Error vs in-context examples",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error curves"},
        ),
    log:
        LOG("figures/errors_{task}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        metric=lambda wc: SUITE.metric(wc.task),
        reference=lambda wc: SUITE.reference(wc.task)["name"],
        models=SUITE.models(),
    script:
        "../../scripts/figure_errors.py"


rule figure_loss:
    input:
        logs=run_files("train_log"),
    output:
        pdf=FIGURE("loss_{task}", "pdf"),
        png=report(
            FIGURE("loss_{task}", "png"),
            caption="../report/loss.rst",
            category="Training loss",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "training loss"},
        ),
    log:
        LOG("figures/loss_{task}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        labels=lambda wc: [f"{m}/s{s}" for _, m, s in SUITE.runs_of(wc.task)],
        models=SUITE.models(),
    script:
        "../../scripts/figure_loss.py"


rule figure_scores:
    input:
        scores=rules.score.output.scores,
    output:
        pdf=FIGURE("scores", "pdf"),
        png=report(
            FIGURE("scores", "png"),
            caption="../report/scores.rst",
            category="ICL regression scores",
            labels={"figure": "score heat-map"},
        ),
    log:
        LOG("figures/scores"),
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/figure_scores.py"
