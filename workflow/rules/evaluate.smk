# Errors of trained models on the fixed prompts, then curves and ICL scores over all runs.


rule evaluate:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        RUN_DIR + "/errors.parquet",
    params:
        batch_size=EVAL["batch_size"],
    threads: 1
    log:
        OUT + "/logs/evaluate/{task}/{model}/s{seed}.log",
    script:
        "../../scripts/evaluate_model.py"


rule score:
    input:
        models=[
            RUN_DIR.format(task=t, model=m, seed=s) + "/errors.parquet"
            for t, m, s in RUNS
        ],
        baselines=[
            f"{OUT}/baselines/{t}/s{s}/errors.parquet"
            for t in tasks_in_use()
            for s in seeds_of(t)
        ],
    output:
        curves=OUT + "/tables/curves.csv",
        scores=OUT + "/tables/icl_scores.csv",
        markdown=OUT + "/tables/icl_scores.md",
        latex=OUT + "/tables/icl_scores.tex",
    params:
        references={t: reference_of(t) for t in tasks_in_use()},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    log:
        OUT + "/logs/score.log",
    script:
        "../../scripts/score.py"
