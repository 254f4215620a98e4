# Errors of trained models on the fixed prompts, then curves and ICL scores over all runs.


rule evaluate:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        out(RUN, "errors.parquet"),
    log:
        out("logs/evaluate/{task}/{model}/s{seed}.log"),
    conda:
        CONDA_ENV
    threads: 1
    params:
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_model.py"


rule score:
    input:
        models=[run_file(t, m, s, "errors.parquet") for t, m, s in RUNS],
        baselines=[
            out(f"baselines/{t}/s{s}/errors.parquet")
            for t in tasks_in_use()
            for s in seeds_of(t)
        ],
    output:
        curves=out("tables/curves.csv"),
        scores=out("tables/icl_scores.csv"),
        markdown=out("tables/icl_scores.md"),
        latex=out("tables/icl_scores.tex"),
    log:
        out("logs/score.log"),
    conda:
        CONDA_ENV
    params:
        references={t: reference_of(t) for t in tasks_in_use()},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score.py"
