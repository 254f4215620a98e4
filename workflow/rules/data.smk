# Fixed evaluation prompts per (task, seed), and the classical baselines scored on them.


rule eval_set:
    output:
        out("data/{task}/s{seed}/eval_set.pt"),
    log:
        out("logs/eval_set/{task}/s{seed}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        n_prompts=EVAL["n_prompts"],
    script:
        "../../scripts/make_eval_set.py"


rule baselines:
    input:
        prompts=rules.eval_set.output[0],
    output:
        out("baselines/{task}/s{seed}/errors.parquet"),
    log:
        out("logs/baselines/{task}/s{seed}.log"),
    benchmark:
        out("benchmarks/baselines/{task}/s{seed}.tsv")
    conda:
        CONDA_ENV
    threads: baseline_resource("threads")
    resources:
        mem_mb=baseline_resource("mem_mb"),
        runtime=baseline_resource("runtime_min"),
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        baselines=lambda wildcards: baseline_specs(wildcards.task),
    script:
        "../../scripts/run_baselines.py"
