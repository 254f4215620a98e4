# Paper-style figures (PDF for papers, PNG for the HTML report).


rule figure_errors:
    input:
        curves=rules.score_task.output.curves,
    output:
        pdf=out("figures/errors_{task}.pdf"),
        png=report(
            out("figures/errors_{task}.png"),
            caption="../report/errors.rst",
            category="Error vs in-context examples",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error curves"},
        ),
    log:
        out("logs/figures/errors_{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        metric=lambda wildcards: metric_of(wildcards.task),
        reference=lambda wildcards: reference_of(wildcards.task)["name"],
        models=list(config["models"]),
    script:
        "../../scripts/figure_errors.py"


rule figure_loss:
    input:
        logs=lambda wildcards: [
            run_file(t, m, s, "train_log.csv") for t, m, s in runs_of(wildcards.task)
        ],
    output:
        pdf=out("figures/loss_{task}.pdf"),
        png=report(
            out("figures/loss_{task}.png"),
            caption="../report/loss.rst",
            category="Training loss",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "training loss"},
        ),
    log:
        out("logs/figures/loss_{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        labels=lambda wildcards: [f"{m}/s{s}" for _, m, s in runs_of(wildcards.task)],
        models=list(config["models"]),
    script:
        "../../scripts/figure_loss.py"


rule figure_scores:
    input:
        scores=rules.score.output.scores,
    output:
        pdf=out("figures/scores.pdf"),
        png=report(
            out("figures/scores.png"),
            caption="../report/scores.rst",
            category="ICL regression scores",
            labels={"figure": "score heat-map"},
        ),
    log:
        out("logs/figures/scores.log"),
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/figure_scores.py"
