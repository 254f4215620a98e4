# Training progress: error on the fixed prompts at the snapshots kept every training.snapshot_every
# steps, to see which models converge slower, stall at a suboptimal predictor, or escape later.


rule evaluate_progress:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        out(RUN, "progress.parquet"),
    log:
        out("logs/progress/{task}/{model}/s{seed}.log"),
    conda:
        CONDA_ENV
    params:
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_progress.py"


rule score_progress:
    input:
        models=lambda wildcards: [
            run_file(t, m, s, "progress.parquet")
            for t, m, s in runs_of(wildcards.task)
        ],
        baselines=lambda wildcards: expand(
            out("baselines/{task}/s{seed}/errors.parquet"),
            task=wildcards.task,
            seed=seeds_of(wildcards.task),
        ),
    output:
        out("tables/progress_{task}.csv"),
    log:
        out("logs/progress/score_{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score_progress.py"


rule figure_progress:
    input:
        rules.score_progress.output[0],
    output:
        pdf=out("figures/progress_{task}.pdf"),
        png=report(
            out("figures/progress_{task}.png"),
            caption="../report/progress.rst",
            category="Training progress",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error vs training step"},
        ),
    log:
        out("logs/figures/progress_{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        models=list(config["models"]),
    script:
        "../../scripts/figure_progress.py"
