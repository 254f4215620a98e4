# Training progress: error on the fixed prompts at the snapshots kept every training.snapshot_every
# steps, to see which models converge slower, stall at a suboptimal predictor, or escape later.


rule evaluate_progress:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        PATH("progress"),
    log:
        LOG("progress/{task}/{model}/s{seed}"),
    conda:
        CONDA_ENV
    params:
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_progress.py"


rule score_progress:
    input:
        models=run_files("progress"),
        baselines=baseline_files,
    output:
        PATH("progress_table"),
    log:
        LOG("progress/score_{task}"),
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
        pdf=FIGURE("progress_{task}", "pdf"),
        png=report(
            FIGURE("progress_{task}", "png"),
            caption="../report/progress.rst",
            category="Training progress",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "error vs training step"},
        ),
    log:
        LOG("figures/progress_{task}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        models=SUITE.models(),
    script:
        "../../scripts/figure_progress.py"
