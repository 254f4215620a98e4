# Errors of trained models on the fixed prompts, then curves and ICL scores per task, then joined.


rule evaluate:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        out(RUN, "errors.parquet"),
    log:
        out("logs/evaluate/{task}/{model}/s{seed}.log"),
    benchmark:
        out("benchmarks/evaluate/{task}/{model}/s{seed}.tsv")
    conda:
        CONDA_ENV
    threads: 1
    params:
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_model.py"


rule score_task:
    input:
        models=lambda wildcards: [
            run_file(t, m, s, "errors.parquet") for t, m, s in runs_of(wildcards.task)
        ],
        baselines=lambda wildcards: [
            out(f"baselines/{wildcards.task}/s{s}/errors.parquet")
            for s in seeds_of(wildcards.task)
        ],
    output:
        curves=out("tables/by_task/{task}/curves.csv"),
        scores=out("tables/by_task/{task}/icl_scores.csv"),
    log:
        out("logs/score/{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        references=lambda wildcards: {wildcards.task: reference_of(wildcards.task)},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score.py"


rule score:
    input:
        curves=expand(rules.score_task.output.curves, task=tasks_in_use()),
        scores=expand(rules.score_task.output.scores, task=tasks_in_use()),
    output:
        curves=out("tables/curves.csv"),
        scores=out("tables/icl_scores.csv"),
        markdown=out("tables/icl_scores.md"),
        latex=out("tables/icl_scores.tex"),
    log:
        out("logs/score.log"),
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../../scripts/collect_scores.py"
