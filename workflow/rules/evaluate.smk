# Errors of trained models on the fixed prompts, then curves and ICL scores per task, then joined.


rule evaluate:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        PATH("errors"),
    log:
        LOG("evaluate/{task}/{model}/s{seed}"),
    benchmark:
        BENCHMARK("evaluate/{task}/{model}/s{seed}")
    conda:
        CONDA_ENV
    threads: 1
    params:
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_model.py"


rule score_task:
    input:
        models=run_files("errors"),
        baselines=baseline_files,
    output:
        curves=PATH("task_curves"),
        scores=PATH("task_scores"),
        secondary_curves=PATH("task_secondary_curves"),
        secondary_scores=PATH("task_secondary_scores"),
    log:
        LOG("score/{task}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        references=lambda wc: SUITE.references(wc.task),
        secondary=lambda wc: SUITE.secondary_metrics(wc.task),
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score.py"


rule score:
    input:
        curves=expand(rules.score_task.output.curves, task=SUITE.tasks()),
        scores=expand(rules.score_task.output.scores, task=SUITE.tasks()),
        secondary_scores=expand(
            rules.score_task.output.secondary_scores, task=SUITE.tasks()
        ),
    output:
        curves=PATH("curves"),
        scores=PATH("scores", ext="csv"),
        markdown=PATH("scores", ext="md"),
        latex=PATH("scores", ext="tex"),
        secondary_scores=PATH("secondary_scores", ext="csv"),
        secondary_markdown=PATH("secondary_scores", ext="md"),
    log:
        LOG("score"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        confidence=EVAL["confidence"],
    script:
        "../../scripts/collect_scores.py"
