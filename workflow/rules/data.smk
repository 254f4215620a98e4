# Fixed evaluation prompts per (task, seed), and the classical baselines scored on them.


rule eval_set:
    output:
        PATH("eval_set"),
    log:
        LOG("eval_set/{task}/s{seed}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        task=task_settings,
        n_prompts=EVAL["n_prompts"],
    script:
        "../../scripts/make_eval_set.py"


rule baselines:
    input:
        prompts=rules.eval_set.output[0],
    output:
        PATH("baselines"),
    log:
        LOG("baselines/{task}/s{seed}"),
    benchmark:
        BENCHMARK("baselines/{task}/s{seed}")
    conda:
        CONDA_ENV
    threads: baseline_resource("threads")
    resources:
        mem_mb=baseline_resource("mem_mb"),
        runtime=baseline_resource("runtime_min"),
    params:
        task=task_settings,
        baselines=lambda wc: SUITE.baselines(wc.task),
    script:
        "../../scripts/run_baselines.py"
