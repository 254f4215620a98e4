# Training one model on one task with one seed. Resumable state lives in resume/, beside (not
# among) the declared outputs, because Snakemake deletes declared outputs before rerunning a job.


rule train:
    output:
        model=PATH("model"),
        log=PATH("train_log"),
    log:
        LOG("train/{task}/{model}/s{seed}"),
    # Between-workflow output cache (used only with --cache and SNAKEMAKE_OUTPUT_CACHE set): the
    # key hashes the script, params (resolved run settings with the run's code version) and
    # upstream jobs, so another checkout or config asking for the same run reuses it instead of
    # training. "omit-software": a pip venv and a conda env share entries. See docs/cluster.md.
    # Snakemake refuses a benchmark: on a cached rule; the job's log and the run summary in
    # model.pt record its wall time and peak memory instead.
    cache: "omit-software"
    conda:
        CONDA_ENV
    threads: training_resource("threads")
    resources:
        mem_mb=training_resource("mem_mb"),
        runtime=training_resource("runtime_min"),
        gpu=training_resource("gpu"),
    params:
        run=run_settings,
    script:
        "../../scripts/train.py"
