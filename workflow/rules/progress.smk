# Training progress: error on the fixed prompts at the snapshots kept every training.snapshot_every
# steps, to see which models converge slower, stall at a suboptimal predictor, or escape later.


rule evaluate_progress:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        RUN_DIR + "/progress.parquet",
    params:
        batch_size=EVAL["batch_size"],
    log:
        OUT + "/logs/progress/{task}/{model}/s{seed}.log",
    script:
        "../../scripts/evaluate_progress.py"


rule score_progress:
    input:
        models=lambda wildcards: [
            RUN_DIR.format(task=t, model=m, seed=s) + "/progress.parquet"
            for t, m, s in runs_of(wildcards.task)
        ],
        baselines=lambda wildcards: expand(
            OUT + "/baselines/{task}/s{seed}/errors.parquet",
            task=wildcards.task,
            seed=seeds_of(wildcards.task),
        ),
    output:
        OUT + "/tables/progress_{task}.csv",
    params:
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    log:
        OUT + "/logs/progress/score_{task}.log",
    script:
        "../../scripts/score_progress.py"


rule figure_progress:
    input:
        rules.score_progress.output[0],
    output:
        pdf=OUT + "/figures/progress_{task}.pdf",
        png=report(
            OUT + "/figures/progress_{task}.png",
            caption="../report/progress.rst",
            category="Training progress",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error vs training step"},
        ),
    params:
        models=list(config["models"]),
    log:
        OUT + "/logs/figures/progress_{task}.log",
    script:
        "../../scripts/figure_progress.py"
