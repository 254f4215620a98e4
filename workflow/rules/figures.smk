# Paper-style figures (PDF for papers, PNG for the HTML report).


rule figure_errors:
    input:
        curves=rules.score.output.curves,
    output:
        pdf=OUT + "/figures/errors_{task}.pdf",
        png=report(
            OUT + "/figures/errors_{task}.png",
            caption="../report/errors.rst",
            category="Error vs in-context examples",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error curves"},
        ),
    params:
        metric=lambda wildcards: metric_of(wildcards.task),
        reference=lambda wildcards: reference_of(wildcards.task)["name"],
        models=list(config["models"]),
    log:
        OUT + "/logs/figures/errors_{task}.log",
    script:
        "../../scripts/figure_errors.py"


rule figure_loss:
    input:
        logs=lambda wildcards: [
            RUN_DIR.format(task=t, model=m, seed=s) + "/train_log.csv"
            for t, m, s in runs_of(wildcards.task)
        ],
    output:
        pdf=OUT + "/figures/loss_{task}.pdf",
        png=report(
            OUT + "/figures/loss_{task}.png",
            caption="../report/loss.rst",
            category="Training loss",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "training loss"},
        ),
    params:
        labels=lambda wildcards: [f"{m}/s{s}" for _, m, s in runs_of(wildcards.task)],
    log:
        OUT + "/logs/figures/loss_{task}.log",
    script:
        "../../scripts/figure_loss.py"


rule figure_scores:
    input:
        scores=rules.score.output.scores,
    output:
        pdf=OUT + "/figures/scores.pdf",
        png=report(
            OUT + "/figures/scores.png",
            caption="../report/scores.rst",
            category="ICL regression scores",
            labels={"figure": "score heat-map"},
        ),
    log:
        OUT + "/logs/figures/scores.log",
    script:
        "../../scripts/figure_scores.py"
