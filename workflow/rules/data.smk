# Fixed evaluation prompts per (task, seed), and the classical baselines scored on them.


rule eval_set:
    output:
        OUT + "/data/{task}/s{seed}/eval_set.pt",
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        n_prompts=EVAL["n_prompts"],
    log:
        OUT + "/logs/eval_set/{task}/s{seed}.log",
    script:
        "../../scripts/make_eval_set.py"


rule baselines:
    input:
        prompts=rules.eval_set.output[0],
    output:
        OUT + "/baselines/{task}/s{seed}/errors.parquet",
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        baselines=lambda wildcards: baseline_specs(wildcards.task),
    threads: 1
    log:
        OUT + "/logs/baselines/{task}/s{seed}.log",
    script:
        "../../scripts/run_baselines.py"
